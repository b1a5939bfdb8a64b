using System.Globalization;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>"--name value" options of an example command.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public CommandLine(string[] args)
    {
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"Expected '--option value', got '{args[i]}'.");
            _values[args[i][2..]] = args[++i];
        }
    }

    public string? Text(string name) => _values.GetValueOrDefault(name);

    /// <summary>The contents of the file named by option <paramref name="name"/>; null when the option is absent.</summary>
    public string? FileText(string name) =>
        Text(name) is not { } file ? null
        : File.Exists(file) ? File.ReadAllText(file)
        : throw new FileNotFoundException($"The --{name} file '{file}' does not exist.", file);

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out string? v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public int? OptionalInt(string name) =>
        _values.TryGetValue(name, out string? v) ? int.Parse(v, CultureInfo.InvariantCulture) : null;

    public SearchStrategy Strategy(SearchStrategy fallback) =>
        _values.TryGetValue("strategy", out string? v)
            ? Enum.TryParse(v, ignoreCase: true, out SearchStrategy s) ? s : throw new ArgumentException($"Unknown strategy '{v}' (reinforce, random, evolution).")
            : fallback;

    /// <summary>The data folder: --data-dir, else the repository's testdata folder.</summary>
    public string DataDirectory(string testdataSubfolder) => Text("data-dir") ?? Path.Combine(RepositoryRoot(), "testdata", testdataSubfolder);

    public string OutputDirectory(string name) => Path.GetFullPath(Text("out") ?? Path.Combine("out", name));

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ArchitectureSearch.sln"))) return dir.FullName;
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ArchitectureSearch.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("Cannot find the repository's testdata folder; pass --data-dir.");
    }
}
