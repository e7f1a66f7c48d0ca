using Sdpo.Engine.Discovery;
using Sdpo.Engine.Runtime;
using Sdpo.Engine.Sdpo;
using TorchSharp;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Sdpo;

public class DistillationLossTests
{
    private const int Vocabulary = 7;

    private static Tensor RandomLogits(long seed, params long[] shape)
    {
        var generator = new Generator((ulong)seed);
        return randn(shape, dtype: ScalarType.Float64, generator: generator) * 2;
    }

    private static SdpoOptions Options(DivergenceKind kind, int topK = Vocabulary, double? clip = null) =>
        new() { Divergence = kind, TopK = topK, LogRatioClip = clip, JsdAlpha = 0.3 };

    [Theory]
    [InlineData(DivergenceKind.ReverseKl)]
    [InlineData(DivergenceKind.ForwardKl)]
    [InlineData(DivergenceKind.JensenShannon)]
    public void TeacherEqualToStudentGivesZeroLossAndZeroGradient(DivergenceKind kind)
    {
        using var scope = NewDisposeScope();
        var logits = RandomLogits(1, 2, 3, Vocabulary).requires_grad_();
        var student = logits.log_softmax(-1);
        var tokens = student.argmax(-1);
        var mask = ones(2, 3);
        var (loss, figures) = DistillationLoss.Compute(student, student.detach().clone(), tokens, mask, Options(kind, topK: 4, clip: 5));
        loss.backward();
        Assert.Equal(0, figures.Loss, 12);
        Assert.Equal(0, figures.MeanTeacherStudentLogRatio, 12);
        Assert.True(logits.grad!.abs().max().ToScalarDouble() < 1e-12);
    }

    [Theory]
    [InlineData(DivergenceKind.ReverseKl)]
    [InlineData(DivergenceKind.ForwardKl)]
    [InlineData(DivergenceKind.JensenShannon)]
    public void TopKPlusTailEqualsFullVocabularyDivergenceWhenKCoversTheVocabulary(DivergenceKind kind)
    {
        using var scope = NewDisposeScope();
        var student = RandomLogits(2, 5, Vocabulary).log_softmax(-1);
        var teacher = RandomLogits(3, 5, Vocabulary).log_softmax(-1);
        var indices = TopKTailDistribution.TopKIndices(student, Vocabulary);
        var reduced = TokenDivergence.Compute(
            TopKTailDistribution.Reduce(student, indices), TopKTailDistribution.Reduce(teacher, indices), kind, 0.3);
        var full = TokenDivergence.Compute(student, teacher, kind, 0.3);
        Assert.True((reduced - full).abs().max().ToScalarDouble() < 1e-9);
        Assert.True(full.min().ToScalarDouble() > 0);
    }

    [Fact]
    public void TailBucketHoldsTheMassOutsideTheTopK()
    {
        using var scope = NewDisposeScope();
        var student = RandomLogits(4, 3, Vocabulary).log_softmax(-1);
        var indices = TopKTailDistribution.TopKIndices(student, 3);
        var reduced = TopKTailDistribution.Reduce(student, indices);
        Assert.Equal(new long[] { 3, 4 }, reduced.shape);
        Assert.True((reduced.exp().sum(-1) - 1).abs().max().ToScalarDouble() < 1e-12);
        // The kept tokens are the student's most likely ones.
        var sorted = student.sort(-1, descending: true).Values;
        Assert.True((reduced.narrow(-1, 0, 3) - sorted.narrow(-1, 0, 3)).abs().max().ToScalarDouble() < 1e-12);
    }

    [Fact]
    public void ReverseKlGradientMatchesTheAnalyticFormula()
    {
        // d KL(p‖q) / d z_i = p_i (log p_i − log q_i − KL) for p = softmax(z).
        using var scope = NewDisposeScope();
        var logits = RandomLogits(5, 1, 1, Vocabulary).requires_grad_();
        var teacher = RandomLogits(6, 1, 1, Vocabulary).log_softmax(-1);
        var student = logits.log_softmax(-1);
        var (loss, _) = DistillationLoss.Compute(student, teacher, zeros(1, 1, dtype: ScalarType.Int64), ones(1, 1), Options(DivergenceKind.ReverseKl));
        loss.backward();
        using var _ = no_grad();
        var p = student.exp();
        var kl = (p * (student - teacher)).sum(-1, keepdim: true);
        var expected = p * (student - teacher - kl);
        Assert.True((logits.grad! - expected).abs().max().ToScalarDouble() < 1e-9);
    }

    [Fact]
    public void ForwardKlGradientMatchesTheAnalyticFormula()
    {
        // d KL(q‖p) / d z_i = p_i − q_i for p = softmax(z).
        using var scope = NewDisposeScope();
        var logits = RandomLogits(7, 1, 1, Vocabulary).requires_grad_();
        var teacher = RandomLogits(8, 1, 1, Vocabulary).log_softmax(-1);
        var (loss, _) = DistillationLoss.Compute(logits.log_softmax(-1), teacher, zeros(1, 1, dtype: ScalarType.Int64), ones(1, 1), Options(DivergenceKind.ForwardKl));
        loss.backward();
        var expected = logits.detach().softmax(-1) - teacher.exp();
        Assert.True((logits.grad! - expected).abs().max().ToScalarDouble() < 1e-9);
    }

    [Theory]
    [InlineData(DivergenceKind.ReverseKl, Vocabulary)]
    [InlineData(DivergenceKind.ForwardKl, Vocabulary)]
    [InlineData(DivergenceKind.JensenShannon, Vocabulary)]
    [InlineData(DivergenceKind.JensenShannon, 3)]
    [InlineData(DivergenceKind.ReverseKl, 3)]
    public void GradientMatchesFiniteDifferences(DivergenceKind kind, int topK)
    {
        using var scope = NewDisposeScope();
        var teacher = RandomLogits(9, 1, 1, Vocabulary).log_softmax(-1);
        var baseLogits = RandomLogits(10, 1, 1, Vocabulary);
        var tokens = zeros(1, 1, dtype: ScalarType.Int64);
        var mask = ones(1, 1);
        var options = Options(kind, topK);
        // The top-K set is piecewise constant in the logits: fix it from the unperturbed student.
        double LossAt(Tensor logits)
        {
            var (loss, _) = DistillationLoss.Compute(logits.log_softmax(-1), teacher, tokens, mask, options);
            return loss.ToScalarDouble();
        }

        var logitsWithGrad = baseLogits.clone().requires_grad_();
        DistillationLoss.Compute(logitsWithGrad.log_softmax(-1), teacher, tokens, mask, options).Loss.backward();
        var analytic = logitsWithGrad.grad!;
        const double h = 1e-6;
        for (int i = 0; i < Vocabulary; i++)
        {
            var plus = baseLogits.clone();
            var minus = baseLogits.clone();
            plus[0, 0, i] += h;
            minus[0, 0, i] -= h;
            double numeric = (LossAt(plus) - LossAt(minus)) / (2 * h);
            Assert.Equal(numeric, analytic[0, 0, i].ToScalarDouble(), 6);
        }
    }

    [Fact]
    public void LossAveragesTokensWithinAnAttemptThenAttempts()
    {
        using var scope = NewDisposeScope();
        var student = RandomLogits(11, 2, 4, Vocabulary).log_softmax(-1);
        var teacher = RandomLogits(12, 2, 4, Vocabulary).log_softmax(-1);
        var tokens = zeros(2, 4, dtype: ScalarType.Int64);
        var mask = tensor(new float[,] { { 1, 1, 1, 1 }, { 1, 0, 0, 0 } });
        var options = Options(DivergenceKind.ReverseKl);
        var (loss, _) = DistillationLoss.Compute(student, teacher, tokens, mask, options);
        var perToken = TokenDivergence.Compute(student, teacher, DivergenceKind.ReverseKl);
        double expected = (perToken[0].mean().ToScalarDouble() + perToken[1, 0].ToScalarDouble()) / 2;
        Assert.Equal(expected, loss.ToScalarDouble(), 9);
    }

    [Fact]
    public void ImportanceWeightsAreTruncatedAtTheCap()
    {
        using var scope = NewDisposeScope();
        var student = RandomLogits(13, 1, 2, Vocabulary).log_softmax(-1);
        var teacher = RandomLogits(14, 1, 2, Vocabulary).log_softmax(-1);
        var tokens = zeros(1, 2, dtype: ScalarType.Int64);
        var mask = ones(1, 2);
        var options = Options(DivergenceKind.ReverseKl);
        var plain = DistillationLoss.Compute(student, teacher, tokens, mask, options).Loss.ToScalarDouble();
        // π_old far below π_θ: the ratio is huge, so every token gets exactly the cap.
        var old = student.gather(-1, tokens.unsqueeze(-1)).squeeze(-1) - 10;
        var weighted = DistillationLoss.Compute(student, teacher, tokens, mask, options, old).Loss.ToScalarDouble();
        Assert.Equal(plain * options.ImportanceWeightCap, weighted, 9);
    }

    [Fact]
    public void DistinctRowsWeightedByMultiplicityEqualTheBatchWithItsRepeats()
    {
        using var scope = NewDisposeScope();
        var logits = RandomLogits(15, 2, 3, Vocabulary).requires_grad_();
        var teacher = RandomLogits(16, 2, 3, Vocabulary).log_softmax(-1);
        var tokens = tensor(new long[,] { { 1, 2, 3 }, { 4, 5, 0 } });
        var mask = tensor(new float[,] { { 1, 1, 1 }, { 1, 1, 0 } });
        var options = Options(DivergenceKind.ReverseKl, topK: 3, clip: 5);

        // Row 0 three times and row 1 once, written out...
        var repeat = tensor(new long[] { 0, 0, 0, 1 });
        var (expanded, expandedFigures) = DistillationLoss.Compute(logits.log_softmax(-1).index_select(0, repeat), teacher.index_select(0, repeat),
            tokens.index_select(0, repeat), mask.index_select(0, repeat), options);
        expanded.backward();
        var expectedGrad = logits.grad!.clone();
        logits.grad!.zero_();

        // ...and as two distinct rows with counts 3 and 1.
        var (weighted, weightedFigures) = DistillationLoss.Compute(logits.log_softmax(-1), teacher, tokens, mask, options,
            multiplicity: tensor(new float[] { 3, 1 }));
        weighted.backward();

        Assert.Equal(expanded.ToScalarDouble(), weighted.ToScalarDouble(), 9);
        Assert.Equal(expandedFigures.MeanDivergence, weightedFigures.MeanDivergence, 9);
        Assert.Equal(expandedFigures.MeanTeacherStudentLogRatio, weightedFigures.MeanTeacherStudentLogRatio, 9);
        Assert.Equal(expandedFigures.Tokens, weightedFigures.Tokens);
        Assert.True((logits.grad! - expectedGrad).abs().max().ToScalarDouble() < 1e-9);
        Assert.NotEqual(DistillationLoss.Compute(logits.log_softmax(-1), teacher, tokens, mask, options).Figures.Loss, weightedFigures.Loss, 6);
    }
}
