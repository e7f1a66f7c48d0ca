using static TorchSharp.torch;

namespace Sdpo.Engine.Generation;

/// <summary>Draws the next token of each row from last-position logits: greedy at temperature 0, otherwise
/// temperature, then top-k, then top-p filtering, then a seeded multinomial draw.</summary>
public static class TokenSampler
{
    /// <param name="logits">[B, vocab] raw logits, any float dtype</param>
    /// <returns>per row, the drawn token and its log-probability under log_softmax(raw logits)</returns>
    public static (long[] Tokens, float[] LogProbs) Sample(Tensor logits, SamplingOptions options, Generator generator)
    {
        using var scope = NewDisposeScope();
        var raw = logits.to(ScalarType.Float32);
        var next = options.Temperature == 0 ? raw.argmax(-1) : Draw(raw, options, generator);
        var logProbs = raw.log_softmax(-1).gather(-1, next.unsqueeze(-1)).squeeze(-1);
        return (next.cpu().data<long>().ToArray(), logProbs.cpu().data<float>().ToArray());
    }

    private static Tensor Draw(Tensor raw, SamplingOptions options, Generator generator)
    {
        var scores = raw.div(options.Temperature);
        var vocab = scores.shape[^1];
        if (options.TopK > 0 && options.TopK < vocab)
        {
            var kthLargest = scores.topk(options.TopK, -1).values.narrow(-1, options.TopK - 1, 1);
            scores = scores.masked_fill(scores.lt(kthLargest), double.NegativeInfinity);
        }
        if (options.TopP < 1.0)
        {
            var (sorted, order) = scores.sort(-1, descending: true);
            var probabilities = sorted.softmax(-1);
            // Drop a token once the more likely tokens before it already reach TopP; the top one always stays.
            var massBefore = probabilities.cumsum(-1).sub_(probabilities);
            var kept = sorted.masked_fill(massBefore.gt(options.TopP), double.NegativeInfinity);
            scores = full_like(scores, double.NegativeInfinity).scatter_(-1, order, kept);
        }
        return multinomial(scores.softmax(-1), 1, false, generator).squeeze(-1);
    }
}
