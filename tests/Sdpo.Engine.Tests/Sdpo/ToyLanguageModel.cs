using Sdpo.Engine.Models;
using Sdpo.Engine.Runtime;
using Sdpo.Engine.Sdpo;
using Sdpo.Engine.Tokenization.HuggingFace;
using Sdpo.Engine.Tokenization.Prompting;
using Sdpo.Engine.Training;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Sdpo;

/// <summary>
/// A tiny model trained in seconds on a toy task whose self-teacher knows better by construction: after the
/// prompt "Q:" it answers a uniformly random letter a–h, and after SDPO's teacher context with the feedback
/// "The answer is X." it answers X. So feedback naming the missing piece can be distilled into the student.
/// </summary>
public sealed class ToyLanguageModel : IDisposable
{
    public const string Prompt = "Q:";
    public const string Letters = "abcdefgh";
    private const int TrainingSteps = 700;

    public ToyLanguageModel()
    {
        string alphabet = CharacterTokenizerBuilder.CollectAlphabet(new[] { TeacherPrompt.Build(Prompt, Feedback('a')), Letters });
        var definition = CharacterTokenizerBuilder.Build(alphabet, new[] { "<|endoftext|>" }, coverAllBytes: false);
        int eos = definition.AddedTokens[0].Id;
        var tokenizer = HuggingFaceBpeTokenizer.Create(definition, null, new[] { eos });
        var config = ModelConfig.CreateQwen3(definition.Vocabulary.Count + 1, 64, 128, 2, 4, numKeyValueHeads: 2,
            maxPositionEmbeddings: 160, ropeTheta: 10000, eosTokenIds: new[] { eos });
        var thread = new DeviceThread(CPU, "toy-model");
        var model = thread.RunAsync(() =>
        {
            var lm = new CausalLM(config);
            lm.InitializeWeights(7);
            Train(lm, tokenizer, eos);
            foreach (var parameter in lm.parameters()) parameter.requires_grad = false;
            return lm;
        }).GetAwaiter().GetResult();
        Model = new LanguageModel("toy", model, tokenizer, PromptFormat.Plain, thread);
    }

    public LanguageModel Model { get; }

    public static string Feedback(char letter) => $"The answer is {letter}.";

    private static void Train(CausalLM model, HuggingFaceBpeTokenizer tokenizer, int eos)
    {
        var random = new Random(11);
        using var trainer = new LanguageModelTrainer(model, new TrainerOptions { LearningRate = 6e-3, WarmupSteps = 20, TotalSteps = TrainingSteps, WeightDecay = 0 });
        TrainingExample Example(string context, char answer)
        {
            var tokens = tokenizer.Encode(context).ToList();
            int start = tokens.Count;
            tokens.AddRange(tokenizer.Encode(answer.ToString()));
            tokens.Add(eos);
            return new TrainingExample(tokens, start);
        }
        for (int step = 0; step < TrainingSteps; step++)
        {
            var batch = Enumerable.Range(0, 32).Select(i =>
            {
                char letter = Letters[random.Next(Letters.Length)];
                return i % 2 == 0 ? Example(Prompt, letter) : Example(TeacherPrompt.Build(Prompt, Feedback(letter)), letter);
            }).ToList();
            trainer.TrainStep(batch);
        }
    }

    public void Dispose() => Model.Dispose();
}
