namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>The options every search example shares, read from the command line.</summary>
internal static class SearchCommandOptions
{
    public static ArchitectureSearchOptions Apply(ArchitectureSearchOptions options, CommandLine cl, string name)
    {
        options.Strategy = cl.Strategy(options.Strategy);
        options.MaxTrials = cl.Int("trials", options.MaxTrials);
        options.TrialEpochs = cl.Int("trial-epochs", options.TrialEpochs);
        options.FinalEpochs = cl.Int("final-epochs", options.FinalEpochs);
        options.Parallelism = cl.Int("parallelism", options.Parallelism);
        options.Seed = cl.OptionalInt("seed") ?? 1;
        if (cl.OptionalInt("max-minutes") is { } minutes) options.MaxSearchTime = TimeSpan.FromMinutes(minutes);
        if (cl.OptionalInt("children-per-update") is { } perUpdate)
            options.Reinforce = options.Reinforce with { ChildrenPerUpdate = perUpdate };
        options.SearchTrainingRows = cl.OptionalInt("search-size");
        options.FixedArchitecture = cl.FileText("architecture");
        options.CheckpointDirectory = cl.Text("checkpoint");
        options.Device = cl.Text("device") ?? "auto";
        return options;
    }

    public static void Print(string title, ArchitectureSearchOptions o) =>
        Console.WriteLine(o.FixedArchitecture is null
            ? $"{title}: strategy {o.Strategy}, {o.MaxTrials} trials x {o.TrialEpochs} epoch(s)" +
              (o.SearchTrainingRows is null ? "" : $" on the first {o.SearchTrainingRows} training rows") +
              $", final {o.FinalEpochs} epochs, seed {o.Seed}, parallelism {o.Parallelism}" +
              (o.CheckpointDirectory is null ? "" : $", checkpoint {o.CheckpointDirectory}")
            : $"{title}: no search, the fixed architecture trained for {o.FinalEpochs} epochs, seed {o.Seed}");

    /// <summary>
    /// Writes the best architecture's JSON (the input of --architecture) and, when there was a search, its report.
    /// </summary>
    public static void WriteResults(ArchitectureSearchTransformer model, string outDir, string title)
    {
        string json = Path.Combine(outDir, "best-architecture.json");
        File.WriteAllText(json, model.DecodeArchitecture().ToJson());
        Console.WriteLine($"architecture: {json}");
        if (model.Trials.Count == 0) return;
        var report = model.WriteReport(Path.Combine(outDir, "report"), title);
        Console.WriteLine($"report: {report.Directory} (history.csv, reward-per-trial.png, metric-vs-parameters.png, best-architecture.png, summary.md)");
    }
}
