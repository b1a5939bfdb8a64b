using System.CommandLine;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>The options every search example shares; their defaults come from the command's own search options.</summary>
internal sealed class SearchCommandOptions
{
    private readonly Func<ArchitectureSearchOptions> _defaults;
    private readonly Option<SearchStrategy> _strategy;
    private readonly Option<int> _trials, _trialEpochs, _finalEpochs, _parallelism, _sharedEpochs = CommonOptions.SharedEpochs();
    private readonly Option<bool> _weightSharing = CommonOptions.WeightSharing();
    private readonly Option<int> _seed = CommonOptions.Seed();
    private readonly Option<int?> _maxMinutes = CommonOptions.OptionalCount("--max-minutes", "Stop proposing children after this many minutes (default: no limit).");
    private readonly Option<int?> _searchSize = CommonOptions.OptionalCount("--search-size", "Children train on the first N training rows only (default: all rows).");
    private readonly Option<string?> _architecture = CommonOptions.Architecture("No search: train this architecture JSON (a best-architecture.json) for --final-epochs.");
    private readonly Option<string?> _checkpoint = new("--checkpoint") { Description = "Folder that keeps the search's state; a rerun resumes from it.", HelpName = "DIR" };
    private readonly Option<string> _device = CommonOptions.Device();
    private readonly ObjectiveOptions _objective;
    private readonly Option<NativeAllocatorTuning> _nativeAllocator = new("--native-allocator")
    {
        Description = "How glibc's malloc is set up for the process: None (glibc's own), Speed (freed memory kept: faster, more memory) or Memory (feature maps handed back when freed: less memory, 15-30% more CPU).",
        DefaultValueFactory = _ => NativeAllocatorTuning.None,
    };
    private readonly ControllerCommandOptions _controller;
    private readonly Option<bool> _noReferences = new("--no-references")
    {
        Description = "Start the search from nothing: do not train the space's reference architectures (plain and dense 3x3 stacks, LSTM and NAS cells) first (with --weight-sharing: do not score them beside the final candidates).",
    };

    /// <param name="command">Receives the options.</param>
    /// <param name="name">The example's name: its data is testdata/NAME unless --data-dir says otherwise, its output out/NAME.</param>
    /// <param name="defaults">The command's search options before the command line applies; called once per use.</param>
    public SearchCommandOptions(System.CommandLine.Command command, string name, Func<ArchitectureSearchOptions> defaults)
    {
        _defaults = defaults;
        ArchitectureSearchOptions d = defaults();
        DataDirectory = CommonOptions.DataDirectory(name);
        Output = CommonOptions.Output(name);
        _strategy = CommonOptions.Strategy(d.Strategy);
        _trials = CommonOptions.Trials(d.MaxTrials);
        _trialEpochs = CommonOptions.TrialEpochs(d.TrialEpochs);
        _finalEpochs = CommonOptions.Count("--final-epochs", "Training epochs of the best architecture after the search.", d.FinalEpochs);
        _parallelism = CommonOptions.Parallelism(d.Parallelism);
        foreach (Option option in new Option[] { DataDirectory, Output, _strategy, _trials, _trialEpochs, _finalEpochs, _seed, _parallelism,
                     _maxMinutes, _searchSize, _architecture, _checkpoint, _device, _nativeAllocator, _noReferences, _weightSharing, _sharedEpochs })
            command.Options.Add(option);
        _objective = new ObjectiveOptions(command);
        _controller = new ControllerCommandOptions(command);
    }

    public CommonOptions.DataDirectoryOption DataDirectory { get; }

    public Option<string> Output { get; }

    public int Seed(ParseResult parse) => parse.GetValue(_seed);

    /// <summary>The command's default search options with the command line applied.</summary>
    public ArchitectureSearchOptions Apply(ParseResult parse)
    {
        ArchitectureSearchOptions options = _defaults();
        options.Strategy = parse.GetValue(_strategy);
        options.MaxTrials = parse.GetValue(_trials);
        options.TrialEpochs = parse.GetValue(_trialEpochs);
        options.FinalEpochs = parse.GetValue(_finalEpochs);
        options.Parallelism = parse.GetValue(_parallelism);
        options.Seed = parse.GetValue(_seed);
        if (parse.GetValue(_maxMinutes) is { } minutes) options.MaxSearchTime = TimeSpan.FromMinutes(minutes);
        options.WeightSharing = parse.GetValue(_weightSharing);
        options.SharedEpochs = parse.GetValue(_sharedEpochs);
        options.Reinforce = _controller.Apply(parse, options);
        options.SearchTrainingRows = parse.GetValue(_searchSize);
        options.FixedArchitecture = parse.ReadFile(_architecture);
        options.CheckpointDirectory = parse.GetValue(_checkpoint);
        options.Device = parse.GetValue(_device)!;
        options.NativeAllocatorTuning = parse.GetValue(_nativeAllocator);
        if (parse.GetValue(_noReferences)) options.InitialArchitectures = Array.Empty<string>();
        options.Objective = _objective.Objective(parse);
        return options;
    }

    public static void Print(string title, ArchitectureSearchOptions o) =>
        Console.WriteLine(o.FixedArchitecture is null
            ? $"{title}: strategy {o.Strategy}, {o.MaxTrials} trials x {o.TrialEpochs} epoch(s)" +
              (o.SearchTrainingRows is null ? "" : $" on the first {o.SearchTrainingRows} training rows") +
              $", final {o.FinalEpochs} epochs, seed {o.Seed}, parallelism {o.Parallelism}" +
              (o.InitialArchitectures is { Count: 0 } ? ", no reference architectures"
                  : o.WeightSharing ? ", the space's reference architectures scored with the final candidates" : ", the space's reference architectures first") +
              (o.CheckpointDirectory is null ? "" : $", checkpoint {o.CheckpointDirectory}") +
              (o.Objective.Cost == Objectives.ObjectiveCost.None ? "" : $", {ObjectiveOptions.Describe(o.Objective)}") +
              (o.Strategy == SearchStrategy.Reinforce && o.Reinforce is { } reinforce ? $"; {ControllerCommandOptions.Describe(reinforce)}" : "")
            : $"{title}: no search, the fixed architecture trained for {o.FinalEpochs} epochs, seed {o.Seed}");

    /// <summary>
    /// Writes the best architecture's JSON (the input of --architecture) and, when there was a search, its report.
    /// </summary>
    public static void WriteResults(ArchitectureSearchTransformer model, string outDir, string title)
    {
        string json = Path.Combine(outDir, "best-architecture.json");
        File.WriteAllText(json, model.Architecture.Json);
        Console.WriteLine($"architecture: {json}");
        if (model.Trials.Count == 0) return;
        var report = model.WriteReport(Path.Combine(outDir, "report"), title);
        Console.WriteLine($"report: {report.Directory} (history.csv, reward-per-trial.png, metric-vs-cost.png, best-architecture.png, summary.md)");
    }
}
