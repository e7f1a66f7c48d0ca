using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sdpo.Contracts;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Api;
using Sdpo.Service.Benchmarks;
using Sdpo.Service.Execution;

namespace Sdpo.Service.Tests;

/// <summary>Streamed and stored event data holds the event's own fields: the SSE event name and the
/// "ends the stream" flag are the frame's business, not part of the payload.</summary>
public sealed class EventPayloadTests
{
    public static TheoryData<Type> EventTypes()
    {
        var types = new TheoryData<Type>();
        foreach (var baseType in new[] { typeof(DiscoveryEvent), typeof(BenchmarkEvent) })
            foreach (var derived in baseType.GetCustomAttributes<JsonDerivedTypeAttribute>())
                types.Add(derived.DerivedType);
        return types;
    }

    [Theory]
    [MemberData(nameof(EventTypes))]
    public void No_event_type_serializes_its_name_or_final_flag(Type eventType)
    {
        // Every field left at its default: what matters here is which keys are written.
        var instance = RuntimeHelpers.GetUninitializedObject(eventType);
        var baseType = eventType.BaseType!;
        var keys = JsonDocument.Parse(JsonSerializer.Serialize(instance, baseType, ServiceJson.Options)).RootElement
            .EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal("type", keys[0]);
        Assert.DoesNotContain("name", keys);
        Assert.DoesNotContain("isFinal", keys);
    }

    [Fact]
    public void A_discovered_event_streams_exactly_its_type_method_attempt_and_text()
    {
        var data = RunRecorder.Serialize("sdpo", new Discovered(9, "7+5*3"));
        var keys = JsonDocument.Parse(data).RootElement.EnumerateObject().Select(p => p.Name);
        Assert.Equal(["type", "method", "attemptIndex", "text"], keys);
    }

    [Fact]
    public void An_attempt_event_names_a_reused_verdict_only_when_it_is_one()
    {
        AttemptEvaluated Attempt(bool reused) => new(3, 0, "7+5", 3, Verdict.Fail(VerdictStatus.Wrong, "12, not 22"),
            new AttemptTimings(1.5, reused ? 0 : 0.2), reused);
        var reused = JsonDocument.Parse(RunRecorder.Serialize("best-of-k", Attempt(true))).RootElement;
        Assert.True(reused.GetProperty("verdictReused").GetBoolean());
        var fresh = JsonDocument.Parse(RunRecorder.Serialize("best-of-k", Attempt(false))).RootElement;
        Assert.False(fresh.TryGetProperty("verdictReused", out _));
    }
}
