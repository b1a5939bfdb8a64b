using Microsoft.ML.ArchitectureSearch.Examples;

// dotnet run --project src/Examples -c Release -- <command> [--option value ...]
var commands = new Dictionary<string, Func<CommandLine, int>>(StringComparer.OrdinalIgnoreCase)
{
    ["cifar10"] = Cifar10Command.Run,
    ["ptb"] = PtbCommand.Run,
    ["ptb-final"] = PtbFinalCommand.Run,
    ["data"] = DataCommand.Run,
    ["report"] = ReportCommand.Run,
    ["bench-strategies"] = StrategiesBenchmarkCommand.Run,
};
if (args.Length == 0 || !commands.TryGetValue(args[0], out var command))
{
    Console.Error.WriteLine("usage: Examples <command> [options]\n" +
        "  cifar10  architecture search on CIFAR-10 images (testdata by default; --data-dir for the full set)\n" +
        "  ptb      architecture search over recurrent cells on Penn Treebank (testdata by default)\n" +
        "  ptb-final  train a searched cell (--architecture FILE) or the LSTM baseline (--model lstm) on ptb.train; stream perplexities\n" +
        "  data     summaries of the CIFAR-10 and Penn Treebank data\n" +
        "  report   the report of a search from its checkpoint directory (--checkpoint DIR --out DIR)\n" +
        "  bench-strategies  Reinforce vs Evolution vs Random on CIFAR-10 (see BENCHMARKS.md)\n" +
        "common options: --data-dir DIR --strategy reinforce|random|evolution --trials N --trial-epochs N --final-epochs N\n" +
        "  --seed N --checkpoint DIR --out DIR --parallelism N --max-minutes N --train-size N\n" +
        "  --search-size N (children train on the first N rows)  --architecture FILE (no search: train this architecture JSON)");
    return args.Length == 0 ? 0 : 2;
}
try
{
    return command(new CommandLine(args.Skip(1).ToArray()));
}
catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or InvalidOperationException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
