using Microsoft.ML.ArchitectureSearch.Execution;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>
/// Live view of a running search in the terminal: a table of the latest trials, the best so far and a time estimate.
/// Where the output is not an interactive terminal (CI logs, pipes), it prints one plain line per trial instead.
/// </summary>
internal sealed class SearchProgressDisplay : IProgress<SearchProgress>
{
    private const int RowsShown = 12;
    private readonly object _gate = new();
    private readonly List<SearchProgress> _recent = new();
    private readonly string _title;
    private LiveDisplayContext? _live;
    private SearchProgress? _last;

    public SearchProgressDisplay(string title) => _title = title;

    /// <summary>Wall time of the search as of its last trial (the final retraining comes after); null before any trial.</summary>
    public TimeSpan? SearchElapsed
    {
        get { lock (_gate) return _last?.Elapsed; }
    }

    /// <summary>Runs <paramref name="search"/> while showing its progress.</summary>
    public T Show<T>(Func<T> search)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
            return search();
        T result = default!;
        AnsiConsole.Live(Render()).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).Start(ctx =>
        {
            lock (_gate) _live = ctx;
            result = search();
            lock (_gate) _live = null;
        });
        return result;
    }

    public void Report(SearchProgress value)
    {
        lock (_gate)
        {
            _last = value;
            _recent.Add(value);
            if (_recent.Count > RowsShown) _recent.RemoveAt(0);
            if (_live is { } live)
            {
                live.UpdateTarget(Render());
                return;
            }
        }
        TrialRecord t = value.Trial;
        Console.WriteLine(
            $"trial {t.Index,3} [{t.Kind}{(t.Reference is { } name ? $", reference '{name}'" : "")}{(value.Restored ? ", restored" : "")}{(t.Worker is { } worker ? $", worker {worker}" : "")}] reward {t.Reward:0.0000} " +
            $"(best {value.Best?.Reward ?? 0:0.0000}) trained {value.TrainedTrials}/{value.MaxTrials} " +
            $"elapsed {value.Elapsed:hh\\:mm\\:ss} eta {Format(value.EstimatedRemaining)} :: {t.Description}");
    }

    private IRenderable Render()
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(_title)}[/]");
        table.AddColumn("trial").AddColumn("kind").AddColumn("reward").AddColumn("metric").AddColumn("params").AddColumn("s").AddColumn("worker").AddColumn("architecture");
        foreach (SearchProgress p in _recent)
        {
            TrialRecord t = p.Trial;
            bool isBest = p.Best?.Index == t.Index;
            string reward = t.Result.Failed ? "[red]failed[/]" : isBest ? $"[green]{t.Reward:0.0000}[/]" : $"{t.Reward:0.0000}";
            table.AddRow(t.Index.ToString(), t.Kind.ToString(), reward, $"{t.Result.BestValidationMetric:0.###}",
                t.ParameterCount.ToString("N0"), $"{t.Result.WallTime.TotalSeconds:0.0}", Markup.Escape(t.Worker ?? "-"), Markup.Escape(Shorten(t.Description, 70)));
        }
        SearchProgress? last = _last;
        string status = last is null
            ? "starting..."
            : $"trained [bold]{last.TrainedTrials}/{last.MaxTrials}[/]   best reward [green]{last.Best?.Reward ?? 0:0.0000}[/] (trial {last.Best?.Index.ToString() ?? "-"})   " +
              $"elapsed {last.Elapsed:hh\\:mm\\:ss}   remaining ~{Format(last.EstimatedRemaining)}";
        double fraction = last is null ? 0 : (double)last.TrainedTrials / Math.Max(1, last.MaxTrials);
        var bar = new BarChart().Width(60).AddItem("done %", Math.Round(100 * fraction), Color.Green).WithMaxValue(100);
        return new Rows(table, new Markup(status), bar);
    }

    private static string Format(TimeSpan? t) => t is { } v ? v.ToString(@"hh\:mm\:ss") : "?";

    private static string Shorten(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
