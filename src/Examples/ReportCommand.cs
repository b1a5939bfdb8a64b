using Microsoft.ML.ArchitectureSearch.Reporting;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>The report of a search from its checkpoint directory, while it runs or after it was interrupted.</summary>
internal static class ReportCommand
{
    public static int Run(CommandLine cl)
    {
        string checkpoint = cl.Text("checkpoint") ?? throw new ArgumentException("report needs --checkpoint DIR.");
        var files = SearchReport.FromCheckpoint(checkpoint, cl.OutputDirectory("report"));
        Console.WriteLine($"report of {checkpoint}: {files.Directory}");
        Console.Write(File.ReadAllText(files.Summary));
        return 0;
    }
}
