using Sdpo.Engine.Checkpoints;
using TorchSharp;

namespace Sdpo.Engine.Lora;

/// <summary>
/// What an SDPO run needs to resume: the student adapter, its EMA teacher and the optimizer over the student's
/// <see cref="LoraAdapter.Parameters"/>. Saved as a folder: <c>student/</c> and <c>teacher/</c> in PEFT layout
/// (the student loads directly in PEFT or vLLM) and <c>optimizer.bin</c> in TorchSharp's AdamW state format
/// (<see cref="AdapterAdamW.Save"/>), whose entries follow the order of the student's parameters. A teacher that is
/// no adapter of its own (the base model: a frozen or trust-region teacher) is not saved: it never changes, and
/// writing a copy every step would only wear the disk. Owns and disposes all three.
/// </summary>
public sealed class AdapterTrainingState : IDisposable
{
    public const string StudentFolder = "student";
    public const string TeacherFolder = "teacher";
    public const string OptimizerFileName = "optimizer.bin";

    public AdapterTrainingState(LoraAdapter student, LoraAdapter? teacher, AdapterAdamW optimizer)
    {
        Student = student;
        Teacher = teacher;
        Optimizer = optimizer;
    }

    public LoraAdapter Student { get; }
    /// <summary>The EMA teacher; null where the teacher is the base model. States saved before that was so may hold
    /// a teacher folder for such a run too (a copy of the student), which loads here and the run ignores.</summary>
    public LoraAdapter? Teacher { get; }
    public AdapterAdamW Optimizer { get; }

    /// <summary>Writes the state to <paramref name="folder"/>, replacing an earlier save there only once the new
    /// one is complete, so a crash mid-save leaves the previous state readable.</summary>
    public void Save(string folder, string? baseModelNameOrPath = null) =>
        AtomicFolder.Write(folder, staging =>
        {
            PeftAdapterFormat.Save(Student, Path.Combine(staging, StudentFolder), baseModelNameOrPath);
            if (Teacher is not null) PeftAdapterFormat.Save(Teacher, Path.Combine(staging, TeacherFolder), baseModelNameOrPath);
            Optimizer.Save(Path.Combine(staging, OptimizerFileName));
        });

    /// <summary>
    /// Reads a saved state for <paramref name="baseModel"/>. <paramref name="createOptimizer"/> builds the
    /// optimizer over the restored student; its moments, step count and hyperparameters are then restored from the file.
    /// </summary>
    public static AdapterTrainingState Load(string folder, torch.nn.Module baseModel, Func<LoraAdapter, AdapterAdamW> createOptimizer)
    {
        var optimizerPath = Path.Combine(folder, OptimizerFileName);
        if (!File.Exists(optimizerPath)) throw new AdapterException($"Training state file {optimizerPath} does not exist.");

        var student = PeftAdapterFormat.Load(Path.Combine(folder, StudentFolder), baseModel);
        LoraAdapter? teacher = null;
        AdapterAdamW? optimizer = null;
        try
        {
            string teacherFolder = Path.Combine(folder, TeacherFolder);
            if (Directory.Exists(teacherFolder)) teacher = PeftAdapterFormat.Load(teacherFolder, baseModel);
            if (teacher is not null && (!teacher.ModulePaths.SequenceEqual(student.ModulePaths) || teacher.Options != student.Options))
                throw new AdapterException($"Training state {folder}: the teacher adapter's layers or options differ from the student's.");
            optimizer = createOptimizer(student);
            LoadOptimizerState(optimizer, optimizerPath);
            return new AdapterTrainingState(student, teacher, optimizer);
        }
        catch
        {
            optimizer?.Dispose();
            teacher?.Dispose();
            student.Dispose();
            throw;
        }
    }

    private static void LoadOptimizerState(AdapterAdamW optimizer, string path)
    {
        try
        {
            optimizer.Load(path);
        }
        catch (Exception e) when (e is not AdapterException)
        {
            throw new AdapterException(
                $"Optimizer state {path} does not fit the optimizer over the student's parameters (another optimizer type or adapter layout?): {e.Message}", e);
        }
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        Teacher?.Dispose();
        Student.Dispose();
    }
}
