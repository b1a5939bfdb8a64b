using Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;

namespace Microsoft.ML.ArchitectureSearch.Tests.WeightSharing;

/// <summary>Which controller settings a search uses: ENAS's preset for weight sharing unless the user chose settings.</summary>
public class WeightSharingControllerSettingsTests
{
    [Fact]
    public void AWeightSharingSearchWithoutReinforceOptionsUsesTheWeightSharingPreset()
    {
        var options = new ArchitectureSearchOptions { WeightSharing = true };

        Assert.Same(ReinforceOptions.ForWeightSharing, options.EffectiveReinforce);
    }

    [Fact]
    public void AWeightSharingSearchKeepsTheReinforceOptionsTheUserSetEvenZophAndLesDefaults()
    {
        var zophLe = new ReinforceOptions();
        var options = new ArchitectureSearchOptions { WeightSharing = true, Reinforce = zophLe };

        Assert.Same(zophLe, options.EffectiveReinforce);
    }

    [Fact]
    public void ASeparatelyTrainedSearchKeepsZophAndLesDefaultsWithoutTheSkipPenalty()
    {
        var options = new ArchitectureSearchOptions();

        Assert.Equal(new ReinforceOptions(), options.EffectiveReinforce);
        Assert.Equal(0.0006, options.EffectiveReinforce.LearningRate);
        Assert.Equal(0, options.EffectiveReinforce.SkipPenaltyWeight);
    }

    [Fact]
    public void ThePresetHoldsEnasMacroSearchSettingsWhereTheyAreNotScaledToTheCpuBudget()
    {
        ReinforceOptions preset = ReinforceOptions.ForWeightSharing;

        Assert.Equal((1, 64, 0.1, 1.5), (preset.Controller.Layers, preset.Controller.HiddenSize, preset.Controller.InitRange, preset.Controller.TanhConstant));
        Assert.Equal((0.99, 0.0001, 0.8, 0.4), (preset.BaselineDecay, preset.EntropyWeight, preset.SkipPenaltyWeight, preset.SkipTarget));
        preset.Validate();
    }
}
