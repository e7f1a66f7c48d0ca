using System.ComponentModel.DataAnnotations;

namespace Sdpo.Service.Configuration;

/// <summary>Resource limits handed to verifiers that run untrusted code or call out (section "VerifierLimits").</summary>
public sealed class VerifierLimitsOptions
{
    public const string SectionName = "VerifierLimits";

    [Range(0.1, 600)] public double TimeoutSeconds { get; set; } = 10;
    [Range(16, 65_536)] public int MemoryMegabytes { get; set; } = 512;
    [Range(256, 1_000_000)] public int MaxFeedbackChars { get; set; } = 4000;
    [Range(1, 256)] public int MaxConcurrent { get; set; } = 4;
}
