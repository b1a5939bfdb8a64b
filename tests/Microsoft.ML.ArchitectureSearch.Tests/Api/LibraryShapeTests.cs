using System.Text.RegularExpressions;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

namespace Microsoft.ML.ArchitectureSearch.Tests.Api;

/// <summary>
/// The library's shape as a reader and a user meet it: the public types are exactly the documented API (README,
/// "Public API"), and every source file's namespace matches its folder.
/// </summary>
public sealed class LibraryShapeTests
{
    private static readonly string[] PublicApi =
    {
        "Microsoft.ML.ArchitectureSearchCatalog",
        "Microsoft.ML.ArchitectureSearch.ArchitectureSearchEstimator",
        "Microsoft.ML.ArchitectureSearch.ArchitectureSearchOptions",
        "Microsoft.ML.ArchitectureSearch.ArchitectureSearchTask",
        "Microsoft.ML.ArchitectureSearch.ArchitectureSearchTransformer",
        "Microsoft.ML.ArchitectureSearch.NativeAllocatorTuning",
        "Microsoft.ML.ArchitectureSearch.SearchedArchitecture",
        "Microsoft.ML.ArchitectureSearch.SearchStrategy",
        "Microsoft.ML.ArchitectureSearch.Data.Cifar10Image",
        "Microsoft.ML.ArchitectureSearch.Data.Cifar10Loader",
        "Microsoft.ML.ArchitectureSearch.Data.Cifar10Split",
        "Microsoft.ML.ArchitectureSearch.Data.DataSummaries",
        "Microsoft.ML.ArchitectureSearch.Data.ImageFolderLoader",
        "Microsoft.ML.ArchitectureSearch.Data.PennTreebank",
        "Microsoft.ML.ArchitectureSearch.Data.PennTreebankFiles",
        "Microsoft.ML.ArchitectureSearch.Data.SentenceRow",
        "Microsoft.ML.ArchitectureSearch.Execution.SearchProgress",
        "Microsoft.ML.ArchitectureSearch.Execution.TrialKind",
        "Microsoft.ML.ArchitectureSearch.Execution.TrialRecord",
        "Microsoft.ML.ArchitectureSearch.Objectives.ObjectiveCost",
        "Microsoft.ML.ArchitectureSearch.Objectives.SearchObjective",
        "Microsoft.ML.ArchitectureSearch.Reporting.SearchReport",
        "Microsoft.ML.ArchitectureSearch.Reporting.SearchReportFiles",
        "Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn.CnnActivation",
        "Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn.CnnGlobalPooling",
        "Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn.CnnOperation",
        "Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn.CnnPooling",
        "Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn.CnnSearchSpaceOptions",
        "Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn.CnnSkipResize",
        "Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn.CnnStem",
        "Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell.CellActivation",
        "Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell.CellCombination",
        "Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell.RecurrentCellKind",
        "Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell.RecurrentCellSearchSpaceOptions",
        "Microsoft.ML.ArchitectureSearch.Strategies.EvolutionOptions",
        "Microsoft.ML.ArchitectureSearch.Strategies.Reinforce.ControllerOptions",
        "Microsoft.ML.ArchitectureSearch.Strategies.Reinforce.ProgressiveDepth",
        "Microsoft.ML.ArchitectureSearch.Strategies.Reinforce.ReinforceOptions",
        "Microsoft.ML.ArchitectureSearch.Training.Cnn.CnnTrainingOptions",
        "Microsoft.ML.ArchitectureSearch.Training.Cnn.LearningRateSchedule",
        "Microsoft.ML.ArchitectureSearch.Training.LanguageModel.LanguageModelOptimizer",
        "Microsoft.ML.ArchitectureSearch.Training.LanguageModel.LanguageModelTrainingOptions",
        "Microsoft.ML.ArchitectureSearch.Training.RewardKind",
        "Microsoft.ML.ArchitectureSearch.Training.TrialResult",
    };

    // The Orleans package adds only what a user sets: the worker's and the coordinator's options and their extensions.
    private static readonly string[] OrleansPublicApi =
    {
        "Microsoft.ML.ArchitectureSearchWorkerOptions",
        "Microsoft.ML.OrleansArchitectureSearchExtensions",
        "Microsoft.ML.OrleansTrialOptions",
    };

    // What a user calls on the fitted model (properties by name; methods by name and parameter types).
    private static readonly string[] TransformerMembers =
    {
        "Architecture", "ClassCount", "History", "IsRowToRowMapper", "Task", "Trials",
        "EvaluatePerplexity(IDataView)", "GetOutputSchema(DataViewSchema)", "GetRowToRowMapper(DataViewSchema)",
        "SaveAsOnnx(Stream)", "Transform(IDataView)", "WriteReport(String, String)",
    };

    // Files whose namespace is not their folder's, on purpose.
    private static readonly Dictionary<string, string> NamespaceExceptions = new()
    {
        // ML.NET's convention: catalog extension methods live in namespace Microsoft.ML, so they need no using.
        ["ArchitectureSearchCatalog.cs"] = "Microsoft.ML",
        // CoreCLR recognises this attribute by its full name, which must be in System.Runtime.CompilerServices.
        ["Pipeline/MLNetInternals/IgnoresAccessChecksToAttribute.cs"] = "System.Runtime.CompilerServices",
    };

    [Fact]
    public void ThePublicTypesAreExactlyTheDocumentedApi()
    {
        string[] actual = typeof(ArchitectureSearchEstimator).Assembly.GetExportedTypes()
            .Select(t => t.FullName!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(PublicApi.Order(StringComparer.Ordinal), actual);
    }

    [Fact]
    public void TheOrleansPackagesPublicTypesAreExactlyItsOptionsAndExtensions()
    {
        string[] actual = typeof(OrleansTrialOptions).Assembly.GetExportedTypes()
            .Select(t => t.FullName!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(OrleansPublicApi.Order(StringComparer.Ordinal), actual);
    }

    [Fact]
    public void TheTransformersPublicMembersAreExactlyTheDocumentedOnes()
    {
        const System.Reflection.BindingFlags declared = System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance
            | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly;
        Type type = typeof(ArchitectureSearchTransformer);
        IEnumerable<string> properties = type.GetProperties(declared).Select(p => p.Name);
        IEnumerable<string> methods = type.GetMethods(declared).Where(m => !m.IsSpecialName)
            .Select(m => $"{m.Name}({string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name))})");
        Assert.Equal(TransformerMembers.Order(StringComparer.Ordinal), properties.Concat(methods).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EverySourceFilesNamespaceMatchesItsFolder()
    {
        string library = Path.Combine(Path.GetDirectoryName(PipelineTestData.TestDataDirectory)!, "src", "Microsoft.ML.ArchitectureSearch");
        var declaration = new Regex(@"^namespace ([\w.]+);", RegexOptions.Multiline);
        var wrong = new List<string>();
        foreach (string file in Directory.GetFiles(library, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(library, file).Replace('\\', '/');
            if (relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal))
                continue;
            string folder = Path.GetDirectoryName(relative)!.Replace('/', '.');
            string expected = NamespaceExceptions.GetValueOrDefault(relative)
                ?? "Microsoft.ML.ArchitectureSearch" + (folder.Length == 0 ? "" : "." + folder);
            string actual = declaration.Match(File.ReadAllText(file)) is { Success: true } m ? m.Groups[1].Value : "(none)";
            if (actual != expected)
                wrong.Add($"{relative}: namespace {actual}, expected {expected}");
        }
        Assert.Empty(wrong);
    }
}
