using System.CommandLine;
using Microsoft.ML.ArchitectureSearch.Reporting;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>The report of a search from its checkpoint directory, while it runs or after it was interrupted.</summary>
internal sealed class ReportCommand : System.CommandLine.Command
{
    private readonly Option<string> _checkpoint = new("--checkpoint")
    {
        Description = "The --checkpoint folder of a running or finished search.", HelpName = "DIR", Required = true,
    };

    private readonly Option<string> _out = CommonOptions.Output("report");

    public ReportCommand() : base("report", "The report of a search from its checkpoint folder, while it runs or after it was killed.")
    {
        Options.Add(_checkpoint);
        Options.Add(_out);
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        string checkpoint = parse.GetRequiredValue(_checkpoint);
        var files = SearchReport.FromCheckpoint(checkpoint, Path.GetFullPath(parse.GetValue(_out)!));
        Console.WriteLine($"report of {checkpoint}: {files.Directory}");
        Console.Write(File.ReadAllText(files.Summary));
        return 0;
    }
}
