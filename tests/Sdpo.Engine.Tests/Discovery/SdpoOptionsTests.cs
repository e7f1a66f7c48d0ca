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
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void EachRuleNamesItsField(SdpoOptions options, string field)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Contains(field, error.Message);
    }

    [Fact]
    public void AnyPositiveDistillationCapIsAccepted() => new SdpoOptions { MaxDistilledAttempts = 1 }.Validate();
}
