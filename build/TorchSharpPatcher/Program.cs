using Mono.Cecil;
using Mono.Cecil.Cil;

// Usage: TorchSharpPatcher <folder>...  Each folder holds TorchSharp.dll and Sdpo.NativeRelease.dll (a build or
// publish output). TorchSharp's Scalar finalizer freed its native object at once, which a native call could still be
// reading (src/Sdpo.NativeRelease/DeferredNativeRelease.cs); the rewritten finalizer hands the pointer to
// DeferredNativeRelease.ReleaseLater with a pointer to the same native free function. Running it twice changes nothing.
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: TorchSharpPatcher <folder holding TorchSharp.dll and Sdpo.NativeRelease.dll>...");
    return 2;
}
foreach (string folder in args)
{
    string torchSharp = Path.Combine(folder, "TorchSharp.dll");
    string helper = Path.Combine(folder, "Sdpo.NativeRelease.dll");
    if (!File.Exists(torchSharp)) { Console.Error.WriteLine($"TorchSharpPatcher: no TorchSharp.dll in {folder}"); return 1; }
    if (!File.Exists(helper)) { Console.Error.WriteLine($"TorchSharpPatcher: no Sdpo.NativeRelease.dll beside {torchSharp}"); return 1; }
    Console.WriteLine(ScalarFinalizerPatch.Apply(torchSharp, helper) ? $"TorchSharpPatcher: patched {torchSharp}" : $"TorchSharpPatcher: {torchSharp} was patched already");
}
return 0;

internal static class ScalarFinalizerPatch
{
    private const string HelperType = "Sdpo.NativeRelease.DeferredNativeRelease";
    private const string HelperMethod = "ReleaseLater";

    /// <summary>Rewrites Scalar.Finalize in <paramref name="torchSharpPath"/>; false when it already calls the helper.</summary>
    public static bool Apply(string torchSharpPath, string helperPath)
    {
        using var module = ModuleDefinition.ReadModule(new MemoryStream(File.ReadAllBytes(torchSharpPath)));
        var scalar = module.GetType("TorchSharp.Scalar") ?? throw new InvalidOperationException("TorchSharp.Scalar not found");
        var finalize = scalar.Methods.Single(m => m.Name == "Finalize" && m.Parameters.Count == 0);
        if (finalize.Body.Instructions.Any(i => i.Operand is MethodReference { Name: HelperMethod } m && m.DeclaringType.FullName == HelperType))
            return false;

        var handle = scalar.Fields.Single(f => f.Name == "handle" && f.FieldType.FullName == "System.IntPtr");
        var nativeFree = module.GetType("TorchSharp.PInvoke.NativeMethods")?.Methods.SingleOrDefault(m => m.Name == "THSTorch_dispose_scalar" && m.IsPInvokeImpl)
            ?? throw new InvalidOperationException("TorchSharp.PInvoke.NativeMethods.THSTorch_dispose_scalar not found");

        using var helperModule = ModuleDefinition.ReadModule(helperPath);
        var helperName = helperModule.Assembly.Name;
        var helperReference = module.AssemblyReferences.SingleOrDefault(r => r.Name == helperName.Name);
        if (helperReference is null)
        {
            helperReference = new AssemblyNameReference(helperName.Name, helperName.Version);
            module.AssemblyReferences.Add(helperReference);
        }
        var helper = new TypeReference("Sdpo.NativeRelease", "DeferredNativeRelease", module, helperReference);
        var releaseLater = new MethodReference(HelperMethod, module.TypeSystem.Void, helper) { HasThis = false };
        releaseLater.Parameters.Add(new ParameterDefinition(module.TypeSystem.IntPtr));
        releaseLater.Parameters.Add(new ParameterDefinition(module.TypeSystem.IntPtr));
        var zero = new FieldReference("Zero", module.TypeSystem.IntPtr, module.TypeSystem.IntPtr);

        // ReleaseLater(handle, &THSTorch_dispose_scalar); handle = IntPtr.Zero;
        var body = finalize.Body;
        body.Instructions.Clear();
        body.ExceptionHandlers.Clear();
        body.Variables.Clear();
        var il = body.GetILProcessor();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldfld, handle);
        il.Emit(OpCodes.Ldftn, nativeFree);
        il.Emit(OpCodes.Call, releaseLater);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldsfld, zero);
        il.Emit(OpCodes.Stfld, handle);
        il.Emit(OpCodes.Ret);

        var patched = new MemoryStream();
        module.Write(patched);
        File.WriteAllBytes(torchSharpPath, patched.ToArray());
        return true;
    }
}
