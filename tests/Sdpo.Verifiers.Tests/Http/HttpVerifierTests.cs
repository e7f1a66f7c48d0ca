using Sdpo.Contracts;
using Sdpo.Verifiers.Http;
using Sdpo.Verifiers.Specs;
using Sdpo.Verifiers.Tests.Support;

namespace Sdpo.Verifiers.Tests.Http;

public class HttpVerifierTests
{
    private const string PassBody = """{"passed": true, "feedback": "nice"}""";

    private static HttpVerifierOptions FastOptions(int retries = 3) => new()
    {
        AllowPrivateNetworks = true, // the test server is on loopback
        AttemptTimeoutSeconds = 2,
        TotalTimeoutSeconds = 10,
        MaxRetryAttempts = retries,
        RetryBaseDelaySeconds = 0.01,
        CircuitMinimumThroughput = 100, // out of the way unless a test is about it
    };

    private static async Task<Verdict> VerifyOnce(WebhookClient client, Uri url, string text = "x = 42") =>
        await new HttpVerifier(new HttpSpec(url), client).VerifyAsync(new Attempt(new Problem("Find x", "p7"), text, Index: 3));

    [Fact]
    public async Task PostsProblemAndAttemptAndReadsTheVerdict()
    {
        await using var server = new LoopbackWebhookServer(_ => (200, """{"passed": false, "feedback": "x must be prime"}"""));
        using var client = new WebhookClient(FastOptions());
        var verdict = await VerifyOnce(client, server.Url);
        Assert.Equal(VerdictStatus.Wrong, verdict.Status);
        Assert.Equal("x must be prime", verdict.Feedback);
        var request = Assert.Single(server.Requests);
        Assert.Equal("Find x", request.GetProperty("problem").GetProperty("prompt").GetString());
        Assert.Equal("p7", request.GetProperty("problem").GetProperty("id").GetString());
        Assert.Equal("x = 42", request.GetProperty("attempt").GetProperty("text").GetString());
        Assert.Equal(3, request.GetProperty("attempt").GetProperty("index").GetInt32());
    }

    [Fact]
    public async Task RetriesOn503ThenSucceeds()
    {
        await using var server = new LoopbackWebhookServer(call => call <= 2 ? (503, "busy") : (200, PassBody));
        using var client = new WebhookClient(FastOptions());
        var verdict = await VerifyOnce(client, server.Url);
        Assert.True(verdict.Passed, verdict.Feedback);
        Assert.Equal("nice", verdict.Feedback);
        Assert.Equal(3, server.Calls);
    }

    [Fact]
    public async Task GivesUpWithAVerifierErrorAfterTheRetryBudget()
    {
        await using var server = new LoopbackWebhookServer(_ => (503, "down"));
        using var client = new WebhookClient(FastOptions(retries: 2));
        var verdict = await VerifyOnce(client, server.Url);
        Assert.Equal(VerdictStatus.VerifierError, verdict.Status);
        Assert.Contains("503", verdict.Feedback);
        Assert.Contains("3 calls", verdict.Feedback);
        Assert.Equal(3, server.Calls);
    }

    [Fact]
    public async Task CircuitOpensAfterRepeatedFailures()
    {
        await using var server = new LoopbackWebhookServer(_ => (500, "boom"));
        var options = FastOptions(retries: 0);
        options.CircuitMinimumThroughput = 3;
        options.CircuitFailureRatio = 0.5;
        options.CircuitBreakSeconds = 30;
        using var client = new WebhookClient(options);
        for (var i = 0; i < 3; i++) Assert.Equal(VerdictStatus.VerifierError, (await VerifyOnce(client, server.Url)).Status);
        var callsBefore = server.Calls;

        var verdict = await VerifyOnce(client, server.Url);
        Assert.Equal(VerdictStatus.VerifierError, verdict.Status);
        Assert.Contains("circuit is open", verdict.Feedback);
        Assert.Equal(callsBefore, server.Calls); // not called while open
    }

    [Fact]
    public async Task ClientErrorsAreNotRetriedAndBadAnswersAreVerifierErrors()
    {
        await using var notFound = new LoopbackWebhookServer(_ => (404, "nope"));
        using var client = new WebhookClient(FastOptions());
        var missing = await VerifyOnce(client, notFound.Url);
        Assert.Equal(VerdictStatus.VerifierError, missing.Status);
        Assert.Equal(1, notFound.Calls);

        await using var garbled = new LoopbackWebhookServer(_ => (200, """{"ok": 1}"""));
        var garbledVerdict = await VerifyOnce(client, garbled.Url);
        Assert.Equal(VerdictStatus.VerifierError, garbledVerdict.Status);
        Assert.Contains("\"passed\"", garbledVerdict.Feedback);
    }

    [Theory]
    [InlineData("""{"passed": true, "passed": false}""", "duplicate key \"passed\"")]
    [InlineData("""{"passed": false, "feedback": "a", "feedback": "b"}""", "duplicate key \"feedback\"")]
    [InlineData("""{"passed": false, "status": "timeout", "status": "wrong"}""", "duplicate key \"status\"")]
    [InlineData("""{"passed": true, "feedback": "a\ud800b"}""", "lone surrogate")]
    [InlineData("""{"passed": false, "status": "\udc00"}""", "lone surrogate")]
    [InlineData("""{"passed": true, "\ud800": 1}""", "lone surrogate")]
    public async Task MalformedAnswerIsAVerifierErrorThatSaysWhy(string body, string why)
    {
        await using var server = new LoopbackWebhookServer(_ => (200, body));
        using var client = new WebhookClient(FastOptions());
        var verdict = await VerifyOnce(client, server.Url);
        Assert.Equal(VerdictStatus.VerifierError, verdict.Status);
        Assert.StartsWith("The webhook's answer is not valid JSON: ", verdict.Feedback);
        Assert.Contains(why, verdict.Feedback);
        Assert.DoesNotContain("Exception", verdict.Feedback);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // a surrogate encoded in UTF-8
    public async Task AnswerThatIsNotUtf8IsAVerifierErrorThatSaysWhy(byte[] badBytes)
    {
        byte[] body = [.. "{\"passed\": true, \"feedback\": \"a"u8, .. badBytes, .. "\"}"u8];
        await using var server = new LoopbackWebhookServer(_ => (200, body));
        using var client = new WebhookClient(FastOptions());
        var verdict = await VerifyOnce(client, server.Url);
        Assert.Equal(VerdictStatus.VerifierError, verdict.Status);
        Assert.Equal("""The webhook's answer is not valid JSON: it is not valid UTF-8; expected {"passed": bool, "feedback": string}.""", verdict.Feedback);
    }

    [Theory]
    [InlineData("""{"passed": false, "feedback": "too slow", "status": "timeout"}""", VerdictStatus.Timeout)]
    [InlineData("""{"passed": false, "status": "runtime-error"}""", VerdictStatus.RuntimeError)]
    [InlineData("""{"passed": false, "status": "no-such-status"}""", VerdictStatus.Wrong)]
    [InlineData("""{"passed": false, "status": "passed"}""", VerdictStatus.Wrong)]
    [InlineData("""{"passed": true, "status": "timeout"}""", VerdictStatus.Passed)]
    public async Task StatusNamesTheKindOfFailure(string body, VerdictStatus expected)
    {
        await using var server = new LoopbackWebhookServer(_ => (200, body));
        using var client = new WebhookClient(FastOptions());
        Assert.Equal(expected, (await VerifyOnce(client, server.Url)).Status);
    }

    [Fact]
    public async Task UnreachableWebhookIsAVerifierErrorNotAnException()
    {
        await using var server = new LoopbackWebhookServer(_ => (200, PassBody));
        var url = server.Url;
        await server.DisposeAsync(); // nothing listens there any more
        using var client = new WebhookClient(FastOptions(retries: 1));
        var verdict = await VerifyOnce(client, url);
        Assert.Equal(VerdictStatus.VerifierError, verdict.Status);
        Assert.Contains("could not be reached", verdict.Feedback);
    }

    [Fact]
    public async Task LoopbackIsRefusedUnlessPrivateNetworksAreAllowed()
    {
        await using var server = new LoopbackWebhookServer(_ => (200, PassBody));
        using var client = new WebhookClient(new HttpVerifierOptions { RetryBaseDelaySeconds = 0.01 });
        var verdict = await VerifyOnce(client, server.Url);
        Assert.Equal(VerdictStatus.VerifierError, verdict.Status);
        Assert.Contains("AllowPrivateNetworks", verdict.Feedback);
        Assert.Equal(0, server.Calls);
    }

    [Fact]
    public async Task SlowWebhookTimesOutPerCall()
    {
        await using var server = new LoopbackWebhookServer(_ =>
        {
            Thread.Sleep(1500);
            return (200, PassBody);
        });
        var options = FastOptions(retries: 0);
        using var client = new WebhookClient(options);
        var verdict = await new HttpVerifier(new HttpSpec(server.Url, TimeoutSeconds: 0.3), client)
            .VerifyAsync(new Attempt(new Problem("p"), "a"));
        Assert.True(verdict.Status == VerdictStatus.VerifierError, $"{verdict.Status} {verdict.Duration} {verdict.Feedback}");
        Assert.Contains("did not answer in time", verdict.Feedback);
    }
}
