namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>The learning rate of a step under <see cref="CnnTrainingOptions.Schedule"/>.</summary>
internal static class LearningRates
{
    /// <summary>The rate for step <paramref name="step"/> (0-based) of <paramref name="totalSteps"/>.</summary>
    public static double At(CnnTrainingOptions options, long step, long totalSteps) => options.Schedule switch
    {
        LearningRateSchedule.Cosine => options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * step / totalSteps)),
        LearningRateSchedule.Constant => options.LearningRate,
        LearningRateSchedule.WarmupLinear => WarmupLinear(options.LearningRate, options.WarmupFraction, step, totalSteps),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Schedule, "Unknown learning-rate schedule."),
    };

    // Linear warm-up from rate/warmup to the full rate over the first steps, then a linear decay that reaches 0 after the
    // last step (the shape airbench and other fast CIFAR recipes use: large rates early without a diverging start).
    private static double WarmupLinear(double rate, double warmupFraction, long step, long totalSteps)
    {
        long warmup = Math.Max(1, (long)Math.Round(totalSteps * warmupFraction));
        if (step < warmup)
            return rate * (step + 1) / warmup;
        return rate * Math.Max(0, totalSteps - step) / Math.Max(1, totalSteps - warmup);
    }
}
