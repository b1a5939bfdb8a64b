using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Examples;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Networks.Cnn;
using Microsoft.ML.ArchitectureSearch.Objectives;
using Microsoft.ML.ArchitectureSearch.Reporting;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;
using Microsoft.ML.Data;

namespace Microsoft.ML.ArchitectureSearch.Experiments;

/// <summary>
/// Issue 14's CIFAR-10 latency-constrained search, through the public API: the same search (strategy, space, children,
/// seed, data) run twice, once for the task's reward alone and once for MnasNet's reward with measured latency
/// (--objective latency --target X --cost-weight W); each winner retrained with the same final budget and scored on
/// the test images; then both winners' latencies measured again side by side in this one process (one thread,
/// interleaved rounds, median), so the comparison does not depend on what else ran during either search. Each
/// search's report goes to --out/&lt;name&gt;/report (the latency search's metric chart is accuracy against latency with
/// the Pareto front). With --weight-sharing both searches are ENAS-style (children scored on one shared network, each
/// scored architecture timed once as a network of its own), usually over a --space such as bench/space-enas-macro.json.
/// </summary>
internal sealed class LatencySearchCommand : System.CommandLine.Command
{
    private readonly CommonOptions.DataDirectoryOption _dataDir = CommonOptions.DataDirectory("cifar10");
    private readonly Option<int?> _trainSize = CommonOptions.TrainSize("images", 5000);
    private readonly Option<int?> _validSize = CommonOptions.ValidSize("images", 1000);
    private readonly Option<int?> _testSize = CommonOptions.TestSize("images");
    private readonly Option<SearchStrategy> _strategy = CommonOptions.Strategy(SearchStrategy.Reinforce);
    private readonly Option<int> _trials = CommonOptions.Trials(12);
    private readonly Option<int> _trialEpochs = CommonOptions.TrialEpochs(1);
    private readonly Option<int> _finalEpochs = CommonOptions.Count("--final-epochs", "Epochs of each winner's final training on the training and validation images.", 5);
    private readonly Option<int> _layers = CommonOptions.Layers("Layers of the CNN search space (unless --space gives the space).", new CnnSearchSpaceOptions().LayerCount);
    private readonly Option<string?> _space = CommonOptions.ExistingFile("--space", "The CNN search space's settings as JSON (a CnnSearchSpaceOptions, e.g. bench/space-enas-macro.json); default: the default space with --layers layers.");
    private readonly Option<bool> _weightSharing = CommonOptions.WeightSharing();
    private readonly Option<int> _sharedEpochs = CommonOptions.SharedEpochs();
    private readonly Option<int> _seed = CommonOptions.Seed();
    private readonly Option<bool> _references = new("--references")
    {
        Description = "Train the space's reference networks first in both searches (off by default: the two searches then train exactly --trials proposals each).",
    };
    private readonly Option<int> _rounds = CommonOptions.Count("--latency-rounds", "Interleaved rounds of the final side-by-side timing (each winner timed once per round).", 7);
    private readonly Option<int> _runs = CommonOptions.Count("--latency-runs", "Timed runs per winner and round (after warm-up); a round's time is their median.", 51);
    private readonly Option<string> _out = CommonOptions.Output("latency-search");
    private readonly ObjectiveOptions _objective;

    public LatencySearchCommand()
        : base("latency-search", "The same CIFAR-10 search unconstrained and with a latency objective: both winners retrained alike, test accuracy, and their latencies measured side by side.")
    {
        foreach (Option option in new Option[] { _dataDir, _trainSize, _validSize, _testSize, _strategy, _trials, _trialEpochs, _finalEpochs, _layers, _space, _weightSharing, _sharedEpochs, _seed, _references, _rounds, _runs, _out })
            Options.Add(option);
        _objective = new ObjectiveOptions(this);
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        SearchObjective constrained = _objective.Objective(parse);
        if (constrained.Cost != ObjectiveCost.Latency)
            throw new ArgumentException("latency-search compares an unconstrained search with a latency-constrained one: pass --objective latency --target X.");
        string dir = _dataDir.Resolve(parse);
        string outDir = Path.GetFullPath(parse.GetValue(_out)!);
        Directory.CreateDirectory(outDir);
        int trainSize = parse.GetValue(_trainSize).GetValueOrDefault(), validSize = parse.GetValue(_validSize).GetValueOrDefault();
        int seed = parse.GetValue(_seed);
        if (parse.GetResult(_space) is not null && parse.GetResult(_layers) is { Implicit: false })
            throw new ArgumentException("--layers and --space both set the space: the space's settings carry their own layer count.");
        CnnSearchSpaceOptions space = parse.ReadJson<CnnSearchSpaceOptions>(_space) ?? new CnnSearchSpaceOptions { LayerCount = parse.GetValue(_layers) };
        bool weightSharing = parse.GetValue(_weightSharing);

        var ml = new MLContext(seed);
        IDataView all = Cifar10Loader.LoadDataView(ml, dir, Cifar10Split.Train, trainSize + validSize);
        IDataView train = ml.Data.TakeRows(all, trainSize);
        IDataView valid = ml.Data.SkipRows(all, trainSize);
        IDataView test = Cifar10Loader.LoadDataView(ml, dir, Cifar10Split.Test, parse.GetValue(_testSize));
        Print($"data={dir} train={trainSize} validation={validSize} test={test.GetColumn<string>("Label").Count()} strategy={parse.GetValue(_strategy)} " +
              $"trials={parse.GetValue(_trials)} trial_epochs={parse.GetValue(_trialEpochs)} final_epochs={parse.GetValue(_finalEpochs)} layers={space.LayerCount} " +
              $"space={parse.GetValue(_space) ?? "default"} weight_sharing={weightSharing}{(weightSharing ? $" shared_epochs={parse.GetValue(_sharedEpochs)}" : "")} " +
              $"seed={seed} references={parse.GetValue(_references)} OMP_NUM_THREADS={Environment.GetEnvironmentVariable("OMP_NUM_THREADS") ?? "unset"}");
        Print(ObjectiveOptions.Describe(constrained));

        // Labels keyed once, by the training images, so the validation and test images share the keys.
        ITransformer keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(train);
        var winners = new List<(string Name, ArchitectureSearchTransformer Model, double Accuracy)>();
        foreach ((string name, SearchObjective objective) in new[] { ("unconstrained", new SearchObjective()), ("latency", constrained) })
        {
            var options = new ArchitectureSearchOptions
            {
                Task = ArchitectureSearchTask.ImageClassification,
                FeatureColumnName = "Image", LabelColumnName = "Label",
                ImageChannels = 3, ImageHeight = 32, ImageWidth = 32,
                Strategy = parse.GetValue(_strategy),
                MaxTrials = parse.GetValue(_trials),
                TrialEpochs = parse.GetValue(_trialEpochs),
                FinalEpochs = parse.GetValue(_finalEpochs),
                ConvolutionalSpace = space,
                WeightSharing = weightSharing,
                SharedEpochs = parse.GetValue(_sharedEpochs),
                ValidationData = keys.Transform(valid),
                Objective = objective,
                InitialArchitectures = parse.GetValue(_references) ? null : Array.Empty<string>(),
                Device = "cpu",
            };
            // Each search from the same seed: the strategies draw the same first proposals.
            var context = new MLContext(seed);
            var clock = Stopwatch.StartNew();
            ArchitectureSearchTransformer searched = context.Transforms.ArchitectureSearch(options).Fit(keys.Transform(train));
            double seconds = clock.Elapsed.TotalSeconds;
            foreach (TrialRecord t in searched.Trials)
            {
                Print($"{name} trial {t.Index}: {(t.Result.Failed ? "failed " + t.Result.FailureReason : $"accuracy={t.Result.BestValidationMetric:0.0000}")} " +
                      $"latency_ms={(t.Cost is { } c ? c.ToString("0.000", CultureInfo.InvariantCulture) : "-")} reward={t.Reward:0.0000} " +
                      $"params={t.ParameterCount} kind={t.Kind}{(t.Reference is null ? "" : " reference")} {t.Description}");
            }
            double accuracy = context.MulticlassClassification.Evaluate(searched.Transform(keys.Transform(test))).MicroAccuracy;
            SearchReportFiles report = searched.WriteReport(Path.Combine(outDir, name, "report"), $"CIFAR-10 search, {ObjectiveOptions.Describe(objective)}");
            Print($"RESULT search={name} test_accuracy={accuracy:0.0000} params={searched.Architecture.ParameterCount} seconds={seconds:0} chart={report.MetricChart} winner={searched.Architecture.Description}");
            winners.Add((name, searched, accuracy));
        }

        // A CNN's forward time does not depend on its weight values (dense float32 kernels), so each winner is rebuilt
        // from its architecture and timed as the search times children: one image, eval mode, one libtorch thread.
        var networks = winners.Select(w => new ChildCnn((CnnArchitecture)w.Model.DecodeArchitecture())).ToArray();
        int rounds = parse.GetValue(_rounds), runs = parse.GetValue(_runs);
        var times = networks.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < rounds; r++)
        {
            for (int i = 0; i < networks.Length; i++)
                times[i].Add(CnnChildTrainer.MeasureLatencyMilliseconds(networks[i], runs, threads: 1));
        }
        for (int i = 0; i < winners.Count; i++)
        {
            Print($"RESULT winner={winners[i].Name} test_accuracy={winners[i].Accuracy:0.0000} latency_ms={InferenceLatency.Median(times[i]):0.000} " +
                  $"(rounds: {string.Join(" ", times[i].Select(t => t.ToString("0.000", CultureInfo.InvariantCulture)))}) multiply_adds={networks[i].Architecture.MultiplyAdds}");
        }
        double[] ratios = Enumerable.Range(0, rounds).Select(r => times[1][r] / times[0][r]).ToArray();
        Print($"RESULT latency_ratio_constrained_over_unconstrained={InferenceLatency.Median(ratios):0.000} (median over {rounds} interleaved rounds)");
        foreach (ChildCnn network in networks) network.Dispose();
        return 0;
    }

    private static void Print(string line) => Console.WriteLine(line);
}
