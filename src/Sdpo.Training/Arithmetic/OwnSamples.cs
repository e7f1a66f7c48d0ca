using Sdpo.Engine.Generation;
using Sdpo.Engine.Tokenization;

namespace Sdpo.Training.Arithmetic;

/// <summary>How the training stages sample the model's own attempts: as discovery does (temperature 1), up to 48
/// tokens, each call on its own stream from the stage's seeded generator.</summary>
internal static class OwnSamples
{
    public static SamplingOptions Options(ITextTokenizer tokenizer, Random random) =>
        new() { Temperature = 1.0, MaxNewTokens = 48, StopTokenIds = tokenizer.StopTokenIds, Seed = random.NextInt64() };
}
