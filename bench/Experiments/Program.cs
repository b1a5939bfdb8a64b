using System.CommandLine;
using Microsoft.ML.ArchitectureSearch.Examples;
using Microsoft.ML.ArchitectureSearch.Experiments;

// dotnet run --project bench/Experiments -c Release -- <command> [--option value ...]   (--help lists them)
var root = new RootCommand("Experiments behind BENCHMARKS.md that drive ArchitectureSearch's internals directly.")
{
    new PtbFinalCommand(),
    new StrategiesBenchmarkCommand(),
    new CifarRecipeCommand(),
    new OnnxAgreementCommand(),
    new SoakCommand(),
    new MemoryEstimateCommand(),
    new OnnxLanguageModelCommand(),
    new LanguageModelDefaultsCommand(),
    new SharedCnnProbeCommand(),
    new SharedWeightRankingCommand(),
    new LanguageModelSentenceStateCommand(),
    new LatencySearchCommand(),
};
return Cli.Run(root, args);
