using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>
/// Runs a command tree with the exit codes scripts rely on: 0 done (or help shown), 1 the command failed, 2 the command
/// line was wrong. Shared with bench/Experiments (linked source), so both programs parse and fail alike.
/// </summary>
internal static class Cli
{
    public const int Failed = 1;
    public const int UsageError = 2;

    public static int Run(RootCommand root, string[] args)
    {
        var help = new OverviewHelpAction(root);
        root.Options.OfType<HelpOption>().Single().Action = help;
        root.SetAction(help.Invoke); // no command: show what there is rather than fail

        ParseResult parse = root.Parse(args);
        if (parse.Action is ParseErrorAction errors) // not when --help overrides the errors
        {
            errors.ShowHelp = false;
            // Typo suggestions go to Output; the whole complaint belongs on stderr.
            parse.Invoke(new InvocationConfiguration { Output = Console.Error });
            string command = parse.CommandResult.Command == root ? root.Name : $"{root.Name} {parse.CommandResult.Command.Name}";
            Console.Error.WriteLine($"See '{command} --help'.");
            return UsageError;
        }
        try
        {
            // Errors outside the list below are bugs: let them surface with their stack trace.
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        // TorchSharp's own exceptions (a disposed tensor, a shape mismatch) come from bugs, not from what the user typed.
        catch (Exception e) when ((e is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or InvalidOperationException)
            && e.Source != "TorchSharp")
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Failed;
        }
    }

    /// <summary>The standard help; at the top level also every command's options, so one page shows them all.</summary>
    private sealed class OverviewHelpAction(RootCommand root) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            new HelpAction().Invoke(parseResult);
            if (parseResult.CommandResult.Command != root) return 0;
            TextWriter output = parseResult.InvocationConfiguration.Output;
            output.WriteLine($"Options of each command (defaults: {root.Name} <command> --help):");
            foreach (System.CommandLine.Command command in root.Subcommands)
            {
                output.WriteLine($"  {command.Name}");
                var rows = command.Options.Where(o => o is not HelpOption && !o.Hidden)
                    .Select(o => (Label: o.HelpName is null ? o.Name : $"{o.Name} <{o.HelpName}>", o.Description)).ToList();
                int width = rows.Max(r => r.Label.Length);
                foreach (var (label, description) in rows)
                    output.WriteLine($"    {label.PadRight(width)}  {description}");
            }
            return 0;
        }
    }
}
