using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>
/// Every option that more than one command takes, defined here once (each command gets its own instance, with its own
/// default). Shared with bench/Experiments (linked source).
/// </summary>
internal static class CommonOptions
{
    public static DataDirectoryOption DataDirectory(params string[] testdataSubfolders) => new(testdataSubfolders);

    public static Option<string> Output(string name) => new("--out")
    {
        Description = "Output folder.", HelpName = "DIR", DefaultValueFactory = _ => Path.Combine("out", name),
    };

    public static Option<int?> TrainSize(string rows, int? defaultValue = null) =>
        OptionalCount("--train-size", $"Training {rows} to read, from the start of the training split{AllWhenAbsent(defaultValue)}", defaultValue);

    public static Option<int?> ValidSize(string rows, int? defaultValue = null) =>
        OptionalCount("--valid-size", $"Validation {rows} to read{AllWhenAbsent(defaultValue)}", defaultValue);

    public static Option<int?> TestSize(string rows) => OptionalCount("--test-size", $"Test {rows} to read (default: all).");

    public static Option<int> Seed() => Count("--seed", "Seed of every random choice.", 1, int.MinValue);

    public static Option<int> Trials(int defaultValue) => Count("--trials", "Child networks to train.", defaultValue);

    public static Option<int> TrialEpochs(int defaultValue) => Count("--trial-epochs", "Training epochs of each child.", defaultValue);

    public static Option<int> Parallelism(int defaultValue) => Count("--parallelism", "Children trained at the same time.", defaultValue);

    public static Option<int> Layers(string description, int defaultValue) => Count("--layers", description, defaultValue);

    /// <summary>ArchitectureSearchOptions.WeightSharing (--weight-sharing).</summary>
    public static Option<bool> WeightSharing() => new("--weight-sharing")
    {
        Description = "ENAS: score children on one shared network instead of training each (--trials is then the children scored per shared epoch; Reinforce then learns with ENAS's controller settings).",
    };

    /// <summary>ArchitectureSearchOptions.SharedEpochs (--shared-epochs).</summary>
    public static Option<int> SharedEpochs() => Count("--shared-epochs", "With --weight-sharing: passes of the shared network over the search's training rows.",
        new ArchitectureSearchOptions().SharedEpochs);

    public static Option<string> Device() => new("--device")
    {
        Description = "TorchSharp device: auto (CUDA when available), cpu, cuda or cuda:N.", HelpName = "DEVICE", DefaultValueFactory = _ => "auto",
    };

    /// <summary>An architecture JSON file (best-architecture.json of a search, or a hand-written one); checked to exist.</summary>
    public static Option<string?> Architecture(string description) => ExistingFile("--architecture", description);

    /// <summary>A file option whose file must exist.</summary>
    public static Option<string?> ExistingFile(string name, string description)
    {
        var option = new Option<string?>(name) { Description = description, HelpName = "FILE" };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } file && !File.Exists(file))
                result.AddError($"The {name} file '{file}' does not exist.");
        });
        return option;
    }

    private static readonly System.Text.Json.JsonSerializerOptions OptionsJson = new()
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>
    /// An option record (e.g. CnnSearchSpaceOptions, CnnTrainingOptions) read from the JSON file <paramref name="option"/>
    /// names (camelCase members, enums by name; members left out keep their defaults); null when it was not given. A
    /// member the record does not have, or a value of the wrong type, is refused naming the file.
    /// </summary>
    public static T? ReadJson<T>(this ParseResult parse, Option<string?> option) where T : class
    {
        if (parse.GetValue(option) is not { } file) return null;
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<T>(File.ReadAllText(file), OptionsJson)
                ?? throw new ArgumentException($"{option.Name} {file} holds null, not {typeof(T).Name} settings.");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ArgumentException($"{option.Name} {file} is not valid {typeof(T).Name} JSON: {e.Message}", e);
        }
    }

    /// <summary>The contents of the file <paramref name="option"/> names; null when it was not given.</summary>
    public static string? ReadFile(this ParseResult parse, Option<string?> option) =>
        parse.GetValue(option) is { } file ? File.ReadAllText(file) : null;

    public static Option<int> Count(string name, string description, int defaultValue, int minimum = 1) => new(name)
    {
        Description = description, HelpName = "N", DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParseCount(result, name, minimum),
    };

    /// <summary>A count that may be left out; without a default, <paramref name="description"/> says what absent means.</summary>
    public static Option<int?> OptionalCount(string name, string description, int? defaultValue = null, int minimum = 1) => new(name)
    {
        Description = description, HelpName = "N", DefaultValueFactory = defaultValue is null ? null : _ => defaultValue,
        CustomParser = result => ParseCount(result, name, minimum),
    };

    private static string AllWhenAbsent(int? defaultValue) => defaultValue is null ? " (default: all)." : ".";

    public static Option<SearchStrategy> Strategy(SearchStrategy defaultValue) => new("--strategy")
    {
        Description = "How candidates are proposed.", HelpName = StrategyNames("|"), DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParseStrategy(result, "--strategy", result.Tokens.Single().Value),
    };

    /// <summary>A strategy by name, any case; numbers are refused (Enum.Parse would take any).</summary>
    public static SearchStrategy ParseStrategy(ArgumentResult result, string name, string token)
    {
        string? known = Enum.GetNames<SearchStrategy>().FirstOrDefault(n => n.Equals(token, StringComparison.OrdinalIgnoreCase));
        if (known is null) result.AddError($"Unknown {name} '{token}' ({StrategyNames(", ")}).");
        return known is null ? default : Enum.Parse<SearchStrategy>(known);
    }

    public static string StrategyNames(string separator) => string.Join(separator, Enum.GetNames<SearchStrategy>().Select(n => n.ToLowerInvariant()));

    // Invariant culture and a lower bound: counts below it would only fail later, deep in a search.
    private static int ParseCount(ArgumentResult result, string name, int minimum)
    {
        string token = result.Tokens.Single().Value;
        if (!int.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
            result.AddError($"{name} expects a whole number, got '{token}'.");
        else if (value < minimum)
            result.AddError($"{name} must be at least {minimum}, got {value}.");
        return value;
    }

    /// <summary>--data-dir; when absent, the data folder is a subfolder of the repository's testdata.</summary>
    public sealed class DataDirectoryOption : Option<string?>
    {
        private readonly string[] _testdataSubfolders;

        public DataDirectoryOption(string[] testdataSubfolders) : base("--data-dir")
        {
            _testdataSubfolders = testdataSubfolders;
            Description = $"Data folder (default: the repository's {string.Join(" and ", testdataSubfolders.Select(s => "testdata/" + s))}).";
            HelpName = "DIR";
        }

        public string Resolve(ParseResult parse) => Resolve(parse, _testdataSubfolders[0]);

        public string Resolve(ParseResult parse, string testdataSubfolder) =>
            parse.GetValue(this) ?? Path.Combine(RepositoryRoot(), "testdata", testdataSubfolder);

        private static string RepositoryRoot()
        {
            foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
                for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                    if (File.Exists(Path.Combine(dir.FullName, "ArchitectureSearch.sln"))) return dir.FullName;
            throw new DirectoryNotFoundException("Cannot find the repository's testdata folder; pass --data-dir.");
        }
    }
}
