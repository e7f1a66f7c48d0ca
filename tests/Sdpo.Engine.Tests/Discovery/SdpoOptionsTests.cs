using Sdpo.Engine.Discovery;

namespace Sdpo.Engine.Tests.Discovery;

public class SdpoOptionsTests
{
    [Fact]
    public void TheDefaultsAreValid() => new SdpoOptions().Validate();

    public static TheoryData<SdpoOptions, string> BadOptions => new()
    {
        { new SdpoOptions { LearningRate = 0 }, "sdpo.learningRate" },
        { new SdpoOptions { LoraRank = 0 }, "sdpo.loraRank" },
        { new SdpoOptions { TeacherRate = 1.5 }, "sdpo.teacherRate" },
        { new SdpoOptions { TopK = 0 }, "sdpo.topK" },
        { new SdpoOptions { UpdatesPerBatch = 17 }, "sdpo.updatesPerBatch" },
        { new SdpoOptions { MaxTeacherContextTokens = 8 }, "sdpo.maxTeacherContextTokens" },
        { new SdpoOptions { MaxDistilledAttempts = 0 }, "sdpo.maxDistilledAttempts" },
        // Values LibTorch refuses natively, or that overflow a float on the device, are refused here with the option's name.
        { new SdpoOptions { WeightDecay = -5 }, "sdpo.weightDecay" },
        { new SdpoOptions { WeightDecay = 1e308 }, "sdpo.weightDecay" },
        { new SdpoOptions { WeightDecay = double.NaN }, "sdpo.weightDecay" },
        { new SdpoOptions { LoraAlpha = 1e308 }, "sdpo.loraAlpha" },
        { new SdpoOptions { LoraAlpha = double.PositiveInfinity }, "sdpo.loraAlpha" },
        { new SdpoOptions { LogRatioClip = 1e308 }, "sdpo.logRatioClip" },
        { new SdpoOptions { ImportanceWeightCap = 1e308 }, "sdpo.importanceWeightCap" },
        { new SdpoOptions { MaxGradNorm = 1e308 }, "sdpo.maxGradNorm" },
        { new SdpoOptions { MaxGradNorm = double.PositiveInfinity }, "sdpo.maxGradNorm" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void EachRuleNamesItsField(SdpoOptions options, string field)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Contains(field, error.Message);
    }

    [Fact]
    public void TheBoundsOfTheRealValuedOptionsAreAccepted() => new SdpoOptions
    {
        WeightDecay = 1, LoraAlpha = SdpoOptions.LoraAlphaLimit, LogRatioClip = SdpoOptions.LogRatioClipLimit,
        ImportanceWeightCap = SdpoOptions.ImportanceWeightCapLimit, MaxGradNorm = SdpoOptions.MaxGradNormLimit,
    }.Validate();

    [Fact]
    public void AnyPositiveDistillationCapIsAccepted() => new SdpoOptions { MaxDistilledAttempts = 1 }.Validate();
}
