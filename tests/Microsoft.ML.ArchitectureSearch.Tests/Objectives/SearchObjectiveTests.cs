using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Objectives;
using Microsoft.ML.ArchitectureSearch.Reporting;
using Microsoft.ML.ArchitectureSearch.Tests.Execution;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

namespace Microsoft.ML.ArchitectureSearch.Tests.Objectives;

public sealed class SearchObjectiveTests
{
    [Fact]
    public void MnasNetsRewardMatchesHandComputedValues()
    {
        // MnasNet's soft constraint, w = -0.07 on both sides of the target T = 80 ms.
        var soft = new SearchObjective { Cost = ObjectiveCost.Latency, Target = 80 };
        Assert.Equal(0.738375983745762, 0.75 * soft.CostFactor(100), 12); // 0.75 * (100/80)^-0.07
        Assert.Equal(0.7872875127173005, 0.75 * soft.CostFactor(40), 12); // 0.75 * (40/80)^-0.07: cheaper earns more
        Assert.Equal(1.0, soft.CostFactor(80), 15);
        // The hard constraint (alpha = 0, beta = -1): no bonus below the target, reward halved at twice the target.
        var hard = new SearchObjective { Cost = ObjectiveCost.Latency, Target = 80, ExponentBelowTarget = 0, ExponentAboveTarget = -1 };
        Assert.Equal(1.0, hard.CostFactor(40), 15);
        Assert.Equal(0.3, 0.6 * hard.CostFactor(160), 15);
    }

    [Fact]
    public void TheSearchLoopRecordsEachChildsCostAndMultipliesItsRewardByTheCostFactor()
    {
        var space = new TinySpace();
        var objective = new SearchObjective { Cost = ObjectiveCost.Parameters, Target = 120, ExponentBelowTarget = 0, ExponentAboveTarget = -1 };
        using var strategy = new DriftingStrategy(space, 2);
        SearchOutcome outcome = new ArchitectureSearchRunner(strategy, new FormulaTrainer(), new SearchRunOptions
        {
            Budget = new SearchBudget { MaxTrials = 12 }, Seed = 2, TrialEpochs = 1, Objective = objective, DataFingerprint = "d",
        }).Run();

        foreach (TrialRecord t in outcome.Trials.Where(t => t.Kind == TrialKind.Trained))
        {
            Assert.Equal(ObjectiveCost.Parameters, t.CostKind);
            Assert.Equal(t.ParameterCount, t.Cost);
            // TinySpace: parameters = 100 + 10 x token sum; over 120 the reward falls as 120 / parameters.
            double expectedFactor = t.ParameterCount <= 120 ? 1 : 120.0 / t.ParameterCount;
            Assert.Equal(expectedFactor, t.CostFactor, 12);
            Assert.Equal(t.Result.Reward * expectedFactor, t.Reward, 12);
        }
        Assert.Equal(outcome.Trials.Where(t => t.Kind == TrialKind.Trained).Max(t => t.Reward), outcome.Best!.Reward);
    }

    [Fact]
    public void ATrialWithoutACostKeepsItsRewardAndHasNoCost()
    {
        using var strategy = new DriftingStrategy(new TinySpace(), 2);
        SearchOutcome outcome = new ArchitectureSearchRunner(strategy, new FormulaTrainer(), new SearchRunOptions
        {
            Budget = new SearchBudget { MaxTrials = 3 }, Seed = 2, TrialEpochs = 1, DataFingerprint = "d",
        }).Run();
        Assert.All(outcome.Trials, t => Assert.Equal((ObjectiveCost.None, (double?)null, 1.0, t.Result.Reward), (t.CostKind, t.Cost, t.CostFactor, t.Reward)));
    }

    [Fact]
    public void ResumingWithAnotherObjectiveIsAClearError()
    {
        string dir = Path.Combine(Path.GetTempPath(), "nas-objective-" + Guid.NewGuid().ToString("N"));
        try
        {
            SearchOutcome Run(SearchObjective objective)
            {
                using var strategy = new DriftingStrategy(new TinySpace(), 2);
                return new ArchitectureSearchRunner(strategy, new FormulaTrainer(), new SearchRunOptions
                {
                    Budget = new SearchBudget { MaxTrials = 2 }, Seed = 2, TrialEpochs = 1, DataFingerprint = "d", CheckpointDirectory = dir, Objective = objective,
                }).Run();
            }
            Run(new SearchObjective());
            var e = Assert.Throws<InvalidOperationException>(() => Run(new SearchObjective { Cost = ObjectiveCost.MultiplyAdds, Target = 1000 }));
            Assert.Contains("Objective", e.Message);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TheParetoFrontKeepsTheChildrenNoCheaperChildMatches()
    {
        var points = new[] { (10.0, 0.5), (20.0, 0.4), (20.0, 0.7), (30.0, 0.7), (40.0, 0.9), (5.0, 0.2) };
        Assert.Equal(new[] { (5.0, 0.2), (10.0, 0.5), (20.0, 0.7), (40.0, 0.9) }, SearchCharts.ParetoFront(points, lowerMetricIsBetter: false));
        // Perplexity: lower is better.
        var perplexities = new[] { (10.0, 300.0), (20.0, 250.0), (30.0, 260.0), (40.0, 120.0) };
        Assert.Equal(new[] { (10.0, 300.0), (20.0, 250.0), (40.0, 120.0) }, SearchCharts.ParetoFront(perplexities, lowerMetricIsBetter: true));
    }

    [Fact]
    public void ALatencyObjectiveFitTimesEveryTrainedChildAndTheReportDrawsItsParetoFront()
    {
        var ml = new MLContext(seed: 1);
        IDataView keyed = PipelineTestData.Keyed(ml, PipelineTestData.ReadCifar("data_batch_1.bin", 100));
        ArchitectureSearchOptions options = FittedImageModelFixture.ImageOptions();
        options.MaxTrials = 2;
        options.FinalEpochs = 1;
        options.Seed = 5;
        options.Strategy = SearchStrategy.Random;
        options.ConvolutionalSpace = new() { LayerCount = 2, FilterCounts = new[] { 8, 12 } };
        options.Objective = new SearchObjective { Cost = ObjectiveCost.Latency, Target = 0.5, LatencyRuns = 5 };

        ArchitectureSearchTransformer model = ml.Transforms.ArchitectureSearch(options).Fit(keyed);

        var trained = model.Trials.Where(t => t.Kind == TrialKind.Trained).ToList();
        Assert.Equal(2, trained.Count);
        Assert.All(trained, t =>
        {
            Assert.Equal(ObjectiveCost.Latency, t.CostKind);
            Assert.InRange(t.Cost!.Value, 1e-4, 1e4);
            Assert.Equal(options.Objective.CostFactor(t.Cost.Value), t.CostFactor, 12);
        });
        string dir = Path.Combine(Path.GetTempPath(), "nas-latency-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            SearchReportFiles files = model.WriteReport(dir);
            Assert.EndsWith("metric-vs-cost.png", files.MetricChart);
            Assert.True(new FileInfo(files.MetricChart).Length > 1000);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void InvalidObjectivesAreRefusedNamingTheOption()
    {
        var options = new ArchitectureSearchOptions { Objective = new SearchObjective { Cost = ObjectiveCost.Latency, Target = 0 } };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new MLContext().Transforms.ArchitectureSearch(options));
        Assert.Contains("Objective", e.Message);
        Assert.Contains("Target", e.Message);
        options.Objective = new SearchObjective { Cost = ObjectiveCost.Parameters, ExponentAboveTarget = 0.5 };
        Assert.Contains("exponents", Assert.Throws<ArgumentOutOfRangeException>(() => new MLContext().Transforms.ArchitectureSearch(options)).Message);
    }
}
