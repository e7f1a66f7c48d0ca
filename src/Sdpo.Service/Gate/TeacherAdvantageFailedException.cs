namespace Sdpo.Service.Gate;

/// <summary>The engine failed while scoring a case that was valid (not an <see cref="Engine.EngineException"/> about the
/// case): the model's fault, not the request's. The message names the case and the model and gives the engine's first line.</summary>
public sealed class TeacherAdvantageFailedException(string message, Exception inner) : Exception(message, inner);
