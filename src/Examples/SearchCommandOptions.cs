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
        options.CheckpointDirectory = cl.Text("checkpoint");
        options.Device = cl.Text("device") ?? "auto";
        return options;
    }

    public static void Print(string title, ArchitectureSearchOptions o) =>
        Console.WriteLine($"{title}: strategy {o.Strategy}, {o.MaxTrials} trials x {o.TrialEpochs} epoch(s), final {o.FinalEpochs} epochs, seed {o.Seed}, parallelism {o.Parallelism}" +
            (o.CheckpointDirectory is null ? "" : $", checkpoint {o.CheckpointDirectory}"));
}
