using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Examples;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Experiments;

/// <summary>
/// Benchmark: Reinforce, Evolution and Random on the same real CIFAR-10 search (same space, same child budget, same
/// number of trained children), over several seeds. Prints the best validation accuracy each found, and a Markdown table.
/// Training images: the first --train-size records of the training batches; validation: the next --valid-size.
/// </summary>
internal sealed class StrategiesBenchmarkCommand : System.CommandLine.Command
{
    private readonly CommonOptions.DataDirectoryOption _dataDir = CommonOptions.DataDirectory("cifar10");
    private readonly Option<int?> _trainSize = CommonOptions.TrainSize("images", 4000);
    private readonly Option<int?> _validSize = CommonOptions.ValidSize("images", 1000);
    private readonly Option<int> _trials = CommonOptions.Trials(20);
    private readonly Option<int> _trialEpochs = CommonOptions.TrialEpochs(1);
    private readonly Option<int> _layers = CommonOptions.Layers("Layers of the CNN search space.", 4);
    private readonly Option<int> _seeds = CommonOptions.Count("--seeds", "Searches per strategy, seeds 1..N.", 3);
    private readonly Option<SearchStrategy[]> _strategies = new("--strategies")
    {
        Description = "Comma-separated strategies to compare.", HelpName = CommonOptions.StrategyNames(","),
        DefaultValueFactory = _ => new[] { SearchStrategy.Reinforce, SearchStrategy.Evolution, SearchStrategy.Random },
        CustomParser = result => result.Tokens.Single().Value.Split(',').Select(name => CommonOptions.ParseStrategy(result, "--strategies", name)).ToArray(),
    };
    private readonly Option<int> _parallelism = CommonOptions.Parallelism(1);
    private readonly Option<string> _device = CommonOptions.Device();

    public StrategiesBenchmarkCommand()
        : base("bench-strategies", "Reinforce vs Evolution vs Random on the same CIFAR-10 search and budget, over several seeds (see BENCHMARKS.md); children train on the first --train-size training records and are scored on the next --valid-size.")
    {
        foreach (Option option in new Option[] { _dataDir, _trainSize, _validSize, _trials, _trialEpochs, _layers, _seeds, _strategies, _parallelism, _device })
            Options.Add(option);
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        string dir = _dataDir.Resolve(parse);
        int trainSize = parse.GetValue(_trainSize).GetValueOrDefault(), validSize = parse.GetValue(_validSize).GetValueOrDefault();
        int trials = parse.GetValue(_trials), epochs = parse.GetValue(_trialEpochs), layers = parse.GetValue(_layers);
        int[] seeds = Enumerable.Range(1, parse.GetValue(_seeds)).ToArray();
        (ImageData all, _) = Cifar10Loader.LoadDense(dir, Cifar10Split.Train, trainSize + validSize);
        if (all.Count < trainSize + validSize) throw new ArgumentException($"Only {all.Count} training records in {dir}.");
        ImageData train = Slice(all, 0, trainSize), valid = Slice(all, trainSize, validSize);
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = layers });
        Console.WriteLine($"CIFAR-10 strategy comparison: {trainSize} train / {validSize} validation images, {layers}-layer space, {trials} children x {epochs} epoch(s), seeds {string.Join(",", seeds)}");

        var rows = new List<(string Strategy, int Seed, double Best, double Seconds, int Trained)>();
        using var trainer = new CnnChildTrainer(train, valid, null, new CnnTrainingOptions { Device = parse.GetValue(_device)! });
        SearchStrategy[] kinds = parse.GetValue(_strategies)!;
        int parallelism = parse.GetValue(_parallelism);
        foreach (SearchStrategy kind in kinds)
        {
            foreach (int seed in seeds)
            {
                // Reinforce updates after every 5 children, Evolution's population is 5: small enough to act within 20 children.
                using ISearchStrategy strategy = SearchStrategies.Create(kind, space, seed,
                    new ReinforceOptions { ChildrenPerUpdate = 5 }, new EvolutionOptions { PopulationSize = 5, SampleSize = 2 });
                var clock = Stopwatch.StartNew();
                SearchOutcome outcome = new ArchitectureSearchRunner(strategy, trainer, new SearchRunOptions
                {
                    Budget = new SearchBudget { MaxTrials = trials }, TrialEpochs = epochs, Seed = seed,
                    // Every proposal is trained (no reuse), so each strategy gets exactly `trials` children.
                    ReuseDuplicateResults = false,
                    Parallelism = parallelism,
                }).Run();
                double best = outcome.Trials.Where(t => !t.Result.Failed).Max(t => t.Result.BestValidationMetric);
                rows.Add((kind.ToString(), seed, best, clock.Elapsed.TotalSeconds, outcome.TrainedCount));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind,-10} seed {seed}: best validation accuracy {best:0.0000} ({outcome.TrainedCount} children, {clock.Elapsed.TotalSeconds:0} s, {outcome.TrainedCount * 3600 / clock.Elapsed.TotalSeconds:0} children/hour at parallelism {parallelism}) best: {outcome.Best?.Description}"));
            }
        }
        Console.WriteLine();
        Console.WriteLine("| strategy | best validation accuracy per seed | mean | search seconds (mean) |");
        Console.WriteLine("| --- | --- | ---: | ---: |");
        foreach (var g in rows.GroupBy(r => r.Strategy))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {g.Key} | {string.Join(", ", g.Select(r => r.Best.ToString("0.000", CultureInfo.InvariantCulture)))} | {g.Average(r => r.Best):0.000} | {g.Average(r => r.Seconds):0} |"));
        return 0;
    }

    private static ImageData Slice(ImageData d, int start, int count) => d.Select(Enumerable.Range(start, count).ToArray());
}
