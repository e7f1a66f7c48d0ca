using Sdpo.Engine.Sdpo;

namespace Sdpo.Engine.Tests.Sdpo;

public class PromptEncodingsTests
{
    [Fact]
    public void EachPromptIsEncodedOnceUntilTheMemoIsFull()
    {
        var calls = new List<string>();
        IReadOnlyList<int> Encode(string prompt)
        {
            calls.Add(prompt);
            return prompt.Select(c => (int)c).ToList();
        }
        var encodings = new PromptEncodings(Encode, capacity: 2);

        Assert.Equal([97, 98], encodings.Encode("ab"));
        Assert.Equal([97, 98], encodings.Encode("ab"));
        Assert.Equal([99], encodings.Encode("c"));
        Assert.Equal(["ab", "c"], calls);

        // A third prompt fills it: everything is forgotten, so "ab" is encoded again.
        encodings.Encode("d");
        encodings.Encode("ab");
        Assert.Equal(["ab", "c", "d", "ab"], calls);
    }
}
