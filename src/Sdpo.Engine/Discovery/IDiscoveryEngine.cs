using Sdpo.Contracts;
using Sdpo.Engine.Sdpo;

namespace Sdpo.Engine.Discovery;

/// <summary>
/// Runs discovery for one request on one loaded model. Events come in order and end with exactly one final
/// event (discovered, exhausted, cancelled or failed). With a <paramref name="stateDirectory"/>, the run saves
/// its state (adapter, optimizer, EMA teacher, counters, RNG) there after every step and, when the directory
/// already holds a state for the same request, resumes from it: the resumed run repeats the interrupted step
/// exactly (same attempt indices and texts), so a consumer may upsert attempts by index.
/// Cancelling <paramref name="cancellationToken"/> ends the run within one step with a <see cref="Cancelled"/> event.
/// </summary>
public interface IDiscoveryEngine
{
    /// <summary>The model's name, as configured.</summary>
    string ModelName { get; }

    /// <summary>The model's context length in tokens; a prompt that does not fit is rejected up front.</summary>
    int ContextLength { get; }

    /// <summary>The model's decoder layers (indices 0 to this − 1), which sdpo.loraLayers may name.</summary>
    int DecoderLayers { get; }

    /// <summary>The names of the model's linear modules an adapter can cover (q_proj, ..., down_proj), which
    /// sdpo.loraModules may name.</summary>
    IReadOnlyList<string> AdaptableModules { get; }

    /// <summary>The SDPO options a request without any gets: the model's recommendation over the paper's defaults
    /// (<see cref="SdpoDefaults"/>); a request's own fields go over these.</summary>
    SdpoOptions SdpoDefaults { get; }

    /// <summary>Tokens the prompt takes when formatted for this model (for validation before queuing).</summary>
    int CountPromptTokens(string prompt);

    IAsyncEnumerable<DiscoveryEvent> RunAsync(DiscoveryRequest request, string? stateDirectory = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// How much better the model knows a correct <paramref name="answer"/> with <paramref name="feedback"/> in SDPO's
    /// teacher context than after the prompt alone (<see cref="TeacherAdvantage"/>): SDPO can only help where this is
    /// positive. With a <paramref name="grammar"/>, both sides are renormalised over the tokens it allows. Throws
    /// <see cref="ContextLengthException"/> when the teacher context and the answer do not fit the model.
    /// </summary>
    Task<TeacherAdvantage> MeasureTeacherAdvantageAsync(string prompt, string feedback, string answer, IAnswerGrammar? grammar,
        CancellationToken cancellationToken);
}
