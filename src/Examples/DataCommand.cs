using Microsoft.Data.Analysis;
using Microsoft.ML.ArchitectureSearch.Data;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>Summaries of the data sets as Microsoft.Data.Analysis DataFrames.</summary>
internal static class DataCommand
{
    public static int Run(CommandLine cl)
    {
        string? dataDir = cl.Text("data-dir");
        string cifar = dataDir ?? cl.DataDirectory("cifar10");
        string ptb = dataDir ?? cl.DataDirectory("ptb");
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
