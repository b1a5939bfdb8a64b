using Microsoft.ML.ArchitectureSearch.Execution;

namespace Microsoft.ML.ArchitectureSearch.Tests.Execution;

public class MedianStoppingRuleTests
{
    [Fact]
    public void NothingStopsBeforeEnoughChildrenCompleted()
    {
        var rule = new MedianStoppingRule(minCompletedTrials: 3) { PlannedEpochs = 4 };
        rule.Complete(0, new[] { 0.5, 0.6, 0.7, 0.8 });
        rule.Complete(1, new[] { 0.5, 0.6, 0.7, 0.8 });
        Assert.True(rule.ShouldContinue(2, 0, 0.01));
    }

    [Fact]
    public void APoorChildStopsAndAGoodOneContinues()
    {
        var rule = new MedianStoppingRule(minCompletedTrials: 3, graceEpochs: 1) { PlannedEpochs = 4 };
        // Running averages at epoch 1: 0.35, 0.45, 0.55 -> median 0.45.
        rule.Complete(0, new[] { 0.3, 0.4, 0.5, 0.6 });
        rule.Complete(1, new[] { 0.4, 0.5, 0.6, 0.7 });
        rule.Complete(2, new[] { 0.5, 0.6, 0.7, 0.8 });
        Assert.True(rule.ShouldContinue(3, 0, 0.42));   // epoch 0 median = 0.4: 0.42 is above
        Assert.False(rule.ShouldContinue(3, 1, 0.43));  // best 0.43 < 0.45
        Assert.True(rule.ShouldContinue(4, 1, 0.46));
        Assert.Equal(1, rule.StoppedTrials);
        Assert.Equal(2, rule.EpochsSaved);              // 4 planned, stopped after 2
    }

    [Fact]
    public void GraceEpochsProtectYoungChildren()
    {
        var rule = new MedianStoppingRule(minCompletedTrials: 1, graceEpochs: 2) { PlannedEpochs = 3 };
        rule.Complete(0, new[] { 0.9, 0.9, 0.9 });
        Assert.True(rule.ShouldContinue(1, 0, 0.1));
        Assert.False(rule.ShouldContinue(1, 1, 0.1));
    }

    [Fact]
    public void StoppedChildrenDoNotLowerTheBar()
    {
        var rule = new MedianStoppingRule(minCompletedTrials: 1) { PlannedEpochs = 3 };
        rule.Complete(0, new[] { 0.8, 0.8, 0.8 });
        Assert.False(rule.ShouldContinue(1, 0, 0.1));
        rule.Complete(1, new[] { 0.1 }); // stopped after one epoch: not a reference curve
        Assert.False(rule.ShouldContinue(2, 0, 0.5));
    }

    [Fact]
    public void TheRunnerStopsPoorChildrenAndCountsTheEpochsSaved()
    {
        var space = new TinySpace();
        using var strategy = new DriftingStrategy(space, 5);
        var rule = new MedianStoppingRule(minCompletedTrials: 2) { PlannedEpochs = 3 };
        var options = new SearchRunOptions { Budget = new SearchBudget { MaxTrials = 30 }, Seed = 5, TrialEpochs = 3, EarlyStopping = rule, ReuseDuplicateResults = false };
        SearchOutcome outcome = new ArchitectureSearchRunner(strategy, new FormulaTrainer(), options).Run();
        Assert.True(rule.StoppedTrials > 0);
        Assert.Contains(outcome.Trials, t => t.Result.EpochsCompleted < 3);
        Assert.Equal(rule.EpochsSaved, outcome.Trials.Sum(t => 3 - t.Result.EpochsCompleted));
    }
}
