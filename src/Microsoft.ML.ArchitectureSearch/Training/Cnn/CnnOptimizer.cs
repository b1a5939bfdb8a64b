using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>
/// The SGD recipe of <see cref="CnnTrainingOptions"/> for any CNN module whose batch norms are named <c>norm</c> (a
/// child network, or the shared network whose children are sub-graphs of it), so both train under the same rules.
/// </summary>
internal static class CnnOptimizer
{
    /// <summary>
    /// SGD over the parameters that train: batch norm's scale only when <see cref="CnnTrainingOptions.TrainBatchNormScale"/>
    /// (and whatever the caller already froze, such as a whitening stem's fixed filters). Batch norm's shifts form a
    /// second group when their learning rate is scaled (<see cref="CnnTrainingOptions.BatchNormShiftLearningRateScale"/>).
    /// </summary>
    public static SGD Create(nn.Module network, CnnTrainingOptions options, out Parameter[] trainable)
    {
        var named = network.named_parameters().ToArray();
        if (!options.TrainBatchNormScale)
            foreach (var (_, parameter) in named.Where(p => p.name.EndsWith(".norm.weight", StringComparison.Ordinal)))
                parameter.requires_grad = false;
        trainable = named.Where(p => p.parameter.requires_grad).Select(p => p.parameter).ToArray();
        double scale = options.BatchNormShiftLearningRateScale;
        Parameter[] shifts = scale == 1.0 ? Array.Empty<Parameter>()
            : named.Where(p => p.parameter.requires_grad && p.name.EndsWith(".norm.bias", StringComparison.Ordinal)).Select(p => p.parameter).ToArray();
        Parameter[] others = trainable.Except(shifts).ToArray();
        var groups = new List<SGD.ParamGroup>
        {
            new(others, options.LearningRate, options.Momentum, weight_decay: options.WeightDecay, nesterov: options.Nesterov),
        };
        if (shifts.Length > 0)
            groups.Add(new(shifts, options.LearningRate * scale, options.Momentum, weight_decay: options.WeightDecay / scale, nesterov: options.Nesterov));
        return optim.SGD(groups, options.LearningRate, options.Momentum, weight_decay: options.WeightDecay, nesterov: options.Nesterov);
    }

    /// <summary>Sets the schedule's rate for <paramref name="step"/> of <paramref name="totalSteps"/> on an optimizer made by <see cref="Create"/>.</summary>
    public static void SetLearningRate(optim.Optimizer optimizer, CnnTrainingOptions options, long step, long totalSteps)
    {
        double rate = LearningRates.At(options, step, totalSteps);
        // Group 0 holds every parameter but the batch-norm shifts, which Create puts in group 1 when scaled.
        int g = 0;
        foreach (var group in optimizer.ParamGroups)
            group.LearningRate = rate * (g++ == 0 ? 1.0 : options.BatchNormShiftLearningRateScale);
    }
}
