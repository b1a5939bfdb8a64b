using System.CommandLine;
using Microsoft.Data.Analysis;
using Microsoft.ML.ArchitectureSearch.Data;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>Summaries of the data sets as Microsoft.Data.Analysis DataFrames.</summary>
internal sealed class DataCommand : System.CommandLine.Command
{
    private readonly CommonOptions.DataDirectoryOption _dataDir = CommonOptions.DataDirectory("cifar10", "ptb");

    public DataCommand() : base("data", "Summaries of the CIFAR-10 and Penn Treebank data (DataFrames).")
    {
        Options.Add(_dataDir);
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        string cifar = _dataDir.Resolve(parse, "cifar10"), ptb = _dataDir.Resolve(parse, "ptb");
        foreach (Cifar10Split split in new[] { Cifar10Split.Train, Cifar10Split.Test })
        {
            Console.WriteLine($"CIFAR-10 {split} ({cifar}):");
            Console.WriteLine(DataSummaries.Cifar10ClassCounts(cifar, split).ToString());
        }
        PennTreebankFiles files = PennTreebank.Locate(ptb);
        Console.WriteLine($"Penn Treebank ({Path.GetDirectoryName(files.Train)}):");
        Console.WriteLine(DataSummaries.PennTreebank(files).ToString());
        Console.WriteLine("Most frequent training words:");
        Console.WriteLine(DataSummaries.TopWords(files.Train, 10).ToString());
        return 0;
    }
}
