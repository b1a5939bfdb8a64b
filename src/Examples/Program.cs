using System.CommandLine;
using Microsoft.ML.ArchitectureSearch.Examples;

// dotnet run --project src/Examples -c Release -- <command> [--option value ...]   (--help lists them)
var root = new RootCommand("Examples of ArchitectureSearch for ML.NET: neural architecture search as an ML.NET estimator.")
{
    new Cifar10Command(),
    new PtbCommand(),
    new DataCommand(),
    new ReportCommand(),
    new WorkerCommand(),
};
return Cli.Run(root, args);
