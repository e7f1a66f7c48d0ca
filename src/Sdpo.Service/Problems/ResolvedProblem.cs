using Sdpo.Contracts;

namespace Sdpo.Service.Problems;

/// <summary>A problem ready for the engine: the prompt the model sees and the verifier that judges attempts.</summary>
public sealed record ResolvedProblem(Problem Problem, IVerifier Verifier);
