namespace Sdpo.Service.Api;

/// <summary>The last event of a stream the service's shutdown ends, <c>interrupted</c> (its data this record as JSON with
/// its "type"): not one of the stored events, so it has no <c>id:</c>, and a client's Last-Event-ID still resumes after the
/// last event it got.</summary>
/// <param name="Reason">why the stream closed, and that the run or benchmark resumes when the service starts again</param>
public sealed record StreamInterrupted(string Reason);
