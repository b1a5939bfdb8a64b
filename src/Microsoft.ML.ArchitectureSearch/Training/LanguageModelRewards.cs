namespace Microsoft.ML.ArchitectureSearch.Training;

/// <summary>Rewards of language-model children, from their validation perplexity (lower is better).</summary>
internal static class LanguageModelRewards
{
    /// <summary>
    /// Zoph &amp; Le (2017) reward c / ppl^2. The paper leaves c as a constant; 80^2 makes a perplexity-80 model (about
    /// what a good small PTB model reaches) score 1, so rewards stay of order one like the image rewards and the
    /// controller's baseline and learning rate behave similarly in both benchmarks.
    /// </summary>
    public const double ZophLeConstant = 80.0 * 80.0;

    /// <summary>
    /// ENAS's reward c / ppl. The paper leaves c open too; 80 is the constant of the widely used PyTorch reproduction
    /// and, like <see cref="ZophLeConstant"/>, scores a perplexity-80 model 1.
    /// </summary>
    public const double PlainConstant = 80.0;

    /// <summary>
    /// The reward for <paramref name="validationPerplexity"/>: <see cref="RewardKind.ZophLe"/> is 80^2 / ppl^2,
    /// <see cref="RewardKind.Plain"/> is 80 / ppl. A missing, infinite or non-positive perplexity earns 0.
    /// </summary>
    public static double Compute(RewardKind kind, double validationPerplexity)
    {
        if (double.IsNaN(validationPerplexity) || double.IsInfinity(validationPerplexity) || validationPerplexity <= 0)
            return 0;
        return kind switch
        {
            RewardKind.ZophLe => ZophLeConstant / (validationPerplexity * validationPerplexity),
            RewardKind.Plain => PlainConstant / validationPerplexity,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown reward kind."),
        };
    }
}
