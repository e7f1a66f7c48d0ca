using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;
using Sdpo.Contracts;

namespace Sdpo.Verifiers.Http;

/// <summary>
/// Calls user webhooks through Polly: a total timeout, retries with jittered exponential backoff on transient
/// failures (5xx, 429, network errors, per-call timeouts), a circuit breaker per webhook host, and a per-call
/// timeout. Whatever goes wrong ends as a verifier-error verdict with the reason, never a pass and never an
/// exception other than the caller's cancellation. One instance serves the whole service (it owns the
/// connection pool and the circuits).
/// </summary>
public sealed class WebhookClient : IDisposable
{
    private static readonly ResiliencePropertyKey<TimeSpan> AttemptTimeoutKey = new("sdpo.attempt-timeout");
    private static readonly ResiliencePropertyKey<int> CallCountKey = new("sdpo.calls");

    private readonly HttpVerifierOptions _options;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, ResiliencePipeline<WebhookReply>> _pipelines = new(StringComparer.OrdinalIgnoreCase);

    public WebhookClient(HttpVerifierOptions options, HttpMessageHandler? handler = null)
    {
        _options = options;
        _http = new HttpClient(handler ?? NetworkAddressPolicy.CreateHandler(options.AllowPrivateNetworks))
        {
            Timeout = Timeout.InfiniteTimeSpan, // the pipeline owns every timeout
        };
    }

    public HttpVerifierOptions Options => _options;

    /// <summary>The reply that the last call of a verification got, with its body cut at MaxResponseBytes.</summary>
    private sealed record WebhookReply(HttpStatusCode StatusCode, string? ReasonPhrase, byte[] Body, bool Truncated);

    public async Task<Verdict> VerifyAsync(Uri url, double? timeoutSeconds, Attempt attempt, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var payload = new JsonObject
        {
            ["problem"] = new JsonObject { ["prompt"] = attempt.Problem.Prompt, ["id"] = attempt.Problem.Id },
            ["attempt"] = new JsonObject { ["text"] = attempt.Text, ["index"] = attempt.Index },
        }.ToJsonString();

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(AttemptTimeoutKey,
            TimeSpan.FromSeconds(Math.Min(timeoutSeconds ?? _options.AttemptTimeoutSeconds, _options.TotalTimeoutSeconds)));
        context.Properties.Set(CallCountKey, 0);
        try
        {
            var reply = await PipelineFor(url).ExecuteAsync(
                static async (ctx, state) => await state.Client.SendOnceAsync(state.Url, state.Payload, ctx).ConfigureAwait(false),
                context, (Client: this, Url: url, Payload: payload)).ConfigureAwait(false);
            return Interpret(reply, Calls(context), Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception error)
        {
            return Fail(Explain(error, url, Calls(context)), Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async Task<WebhookReply> SendOnceAsync(Uri url, string payload, ResilienceContext context)
    {
        context.Properties.Set(CallCountKey, Calls(context) + 1);
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.CancellationToken)
            .ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(context.CancellationToken).ConfigureAwait(false);
        var buffer = new byte[_options.MaxResponseBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), context.CancellationToken).ConfigureAwait(false)) > 0)
            length += read;
        var truncated = length > _options.MaxResponseBytes;
        return new WebhookReply(response.StatusCode, response.ReasonPhrase, buffer[..Math.Min(length, _options.MaxResponseBytes)], truncated);
    }

    private ResiliencePipeline<WebhookReply> PipelineFor(Uri url) =>
        _pipelines.GetOrAdd(url.GetLeftPart(UriPartial.Authority), _ => BuildPipeline());

    private ResiliencePipeline<WebhookReply> BuildPipeline()
    {
        var transient = new PredicateBuilder<WebhookReply>()
            .Handle<HttpRequestException>(error => !IsBlockedAddress(error))
            .Handle<TimeoutRejectedException>()
            .HandleResult(reply => (int)reply.StatusCode >= 500 || reply.StatusCode == HttpStatusCode.TooManyRequests);

        var builder = new ResiliencePipelineBuilder<WebhookReply>()
            .AddTimeout(TimeSpan.FromSeconds(_options.TotalTimeoutSeconds));
        if (_options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<WebhookReply>
            {
                ShouldHandle = transient,
                MaxRetryAttempts = _options.MaxRetryAttempts,
                Delay = TimeSpan.FromSeconds(_options.RetryBaseDelaySeconds),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
        }
        return builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<WebhookReply>
            {
                ShouldHandle = transient,
                FailureRatio = _options.CircuitFailureRatio,
                MinimumThroughput = Math.Max(2, _options.CircuitMinimumThroughput),
                SamplingDuration = TimeSpan.FromSeconds(Math.Max(0.5, _options.CircuitSamplingSeconds)),
                BreakDuration = TimeSpan.FromSeconds(Math.Max(0.5, _options.CircuitBreakSeconds)),
            })
            .AddTimeout(new TimeoutStrategyOptions
            {
                TimeoutGenerator = args => ValueTask.FromResult(
                    args.Context.Properties.GetValue(AttemptTimeoutKey, TimeSpan.FromSeconds(_options.AttemptTimeoutSeconds))),
            })
            .Build();
    }

    private Verdict Interpret(WebhookReply reply, int calls, TimeSpan duration)
    {
        var code = (int)reply.StatusCode;
        if (code is < 200 or > 299)
            return Fail($"The webhook answered {code} {reply.ReasonPhrase} (after {Plural(calls, "call")}).", duration);
        if (reply.Truncated)
            return Fail($"The webhook's answer is larger than {_options.MaxResponseBytes} bytes.", duration);
        // The JSON reader leaves strings undecoded until they are read, and then throws for bad UTF-8.
        if (!Utf8.IsValid(reply.Body)) return Malformed("it is not valid UTF-8", duration);
        try
        {
            using var document = JsonDocument.Parse(reply.Body);
            return Read(document.RootElement, duration);
        }
        catch (JsonException)
        {
            return Fail($"The webhook's answer is not JSON; expected {ExpectedShape}.", duration);
        }
        catch (InvalidOperationException)
        {
            // Decoding a string or key throws this; with the UTF-8 checked above, only an escape such as "\ud800"
            // of half a surrogate pair (not a character) is left to cause it.
            return Malformed("it has a \\u escape of a lone surrogate, which is not a character", duration);
        }
    }

    private Verdict Read(JsonElement root, TimeSpan duration)
    {
        // JsonDocument keeps both copies of a repeated key; which one counts would be a guess.
        if (root.ValueKind == JsonValueKind.Object)
            foreach (var name in (string[])["passed", "feedback", "status"])
                if (root.EnumerateObject().Count(property => property.NameEquals(name)) > 1)
                    return Malformed($"duplicate key \"{name}\"", duration);
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("passed", out var passedElement)
            || passedElement.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            return Fail($"The webhook's answer has no boolean \"passed\" field; expected {ExpectedShape}.", duration);
        var passed = passedElement.GetBoolean();
        var feedback = "";
        if (root.TryGetProperty("feedback", out var feedbackElement) && feedbackElement.ValueKind != JsonValueKind.Null)
        {
            if (feedbackElement.ValueKind != JsonValueKind.String)
                return Fail("The webhook's \"feedback\" field is not a string.", duration);
            feedback = feedbackElement.GetString()!;
        }
        if (feedback.Length > _options.MaxFeedbackChars) feedback = feedback[.._options.MaxFeedbackChars] + "...";
        if (passed) return Verdict.Pass(feedback, duration);
        var status = root.TryGetProperty("status", out var statusElement) && statusElement.ValueKind == JsonValueKind.String
                     && VerdictStatusNames.TryParse(statusElement.GetString()!, out var named) && named != VerdictStatus.Passed
            ? named
            : VerdictStatus.Wrong;
        return Verdict.Fail(status, feedback, duration);
    }

    private const string ExpectedShape = """{"passed": bool, "feedback": string}""";

    private static Verdict Malformed(string why, TimeSpan duration) =>
        Fail($"The webhook's answer is not valid JSON: {why}; expected {ExpectedShape}.", duration);

    private string Explain(Exception error, Uri url, int calls) => error switch
    {
        BrokenCircuitException => $"The webhook at {url.Authority} has been failing repeatedly, so its circuit is open and it was not called; it will be tried again after {_options.CircuitBreakSeconds:0.#} s.",
        TimeoutRejectedException => $"The webhook did not answer in time (after {Plural(calls, "call")}).",
        HttpRequestException request when IsBlockedAddress(request) => FindBlocked(request)!.Message,
        HttpRequestException request => $"The webhook could not be reached after {Plural(calls, "call")}: {request.Message}",
        _ => $"The webhook call failed: {error.GetType().Name}: {error.Message}",
    };

    private static bool IsBlockedAddress(Exception error) => FindBlocked(error) is not null;

    private static WebhookAddressBlockedException? FindBlocked(Exception? error)
    {
        for (; error is not null; error = error.InnerException)
            if (error is WebhookAddressBlockedException blocked) return blocked;
        return null;
    }

    private static int Calls(ResilienceContext context) => context.Properties.GetValue(CallCountKey, 0);

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    private static Verdict Fail(string reason, TimeSpan duration) => Verdict.Fail(VerdictStatus.VerifierError, reason, duration);

    public void Dispose() => _http.Dispose();
}
