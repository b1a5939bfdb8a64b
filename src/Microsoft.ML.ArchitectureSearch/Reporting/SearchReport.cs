using System.Globalization;
using System.Text;
using Microsoft.Data.Analysis;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using Microsoft.ML.ArchitectureSearch.Execution.WeightSharing;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;

namespace Microsoft.ML.ArchitectureSearch.Reporting;

/// <summary>
/// The files a report consists of. A weight-sharing search's report adds <paramref name="ControllerChart"/> (mean reward
/// and controller entropy per shared epoch) and <paramref name="SharedTrainingLossChart"/> (the shared network's training
/// loss per epoch, when known: a report from the fitted transformer or a checkpoint directory has it, one from a loaded
/// model does not); both are null for a search that trained its children separately.
/// </summary>
/// <param name="Directory">The report's directory.</param>
/// <param name="HistoryCsv">Every trial, one row each.</param>
/// <param name="RewardChart">Reward per trial.</param>
/// <param name="MetricChart">Validation metric against cost.</param>
/// <param name="Summary">The Markdown summary.</param>
/// <param name="BestArchitectureJson">The best architecture's document (null when no child succeeded).</param>
/// <param name="BestArchitectureDiagram">The best architecture drawn (null when its space cannot draw it).</param>
/// <param name="BestArchitectureDot">The best architecture as a DOT graph (null when its space cannot draw it).</param>
/// <param name="ControllerChart">Weight sharing: mean sampled reward and controller entropy per shared epoch.</param>
/// <param name="SharedTrainingLossChart">Weight sharing: the shared network's training loss per shared epoch.</param>
public sealed record SearchReportFiles(string Directory, string HistoryCsv, string RewardChart, string MetricChart, string Summary,
    string? BestArchitectureJson, string? BestArchitectureDiagram, string? BestArchitectureDot,
    string? ControllerChart = null, string? SharedTrainingLossChart = null);

/// <summary>
/// Writes the report of a search into a directory: the history (CSV), charts (PNG), the best architecture (JSON, DOT and a
/// PNG diagram when its space can draw it) and a Markdown summary. Works on a finished search or on a checkpoint directory
/// (also one whose search is still running or was killed).
/// </summary>
public static class SearchReport
{
    internal static SearchReportFiles Write(IReadOnlyList<TrialRecord> trials, string directory, ISearchSpace? space = null, string? title = null,
        WeightSharingCurves? sharedCurves = null)
    {
        Directory.CreateDirectory(directory);
        string csv = Path.Combine(directory, "history.csv");
        DataFrame.SaveCsv(SearchHistoryFrame.Create(trials), csv, cultureInfo: CultureInfo.InvariantCulture);
        string reward = Path.Combine(directory, "reward-per-trial.png");
        SearchCharts.SavePng(SearchCharts.RewardPerTrial(trials), reward);
        string metric = Path.Combine(directory, "metric-vs-cost.png");
        SearchCharts.SavePng(SearchCharts.MetricAgainstCost(trials), metric);

        TrialRecord? best = SearchOutcome.WinnerOf(trials);
        string? json = null, diagram = null, dot = null;
        if (best != null)
        {
            json = Path.Combine(directory, "best-architecture.json");
            File.WriteAllText(json, best.ArchitectureJson);
            if (space?.FromJson(best.ArchitectureJson) is IDrawableArchitecture drawable)
            {
                ArchitectureGraph graph = drawable.ToGraph();
                dot = Path.Combine(directory, "best-architecture.dot");
                File.WriteAllText(dot, graph.ToDot());
                diagram = Path.Combine(directory, "best-architecture.png");
                ArchitectureDiagram.SavePng(graph, diagram, $"Best architecture (trial {best.Index}, reward {best.Reward:0.####})");
            }
        }
        var summaryText = new StringBuilder(Summary(trials, best, title));
        string? controller = null, loss = null;
        if (WeightSharingReport.Describes(trials))
        {
            WeightSharingCurves curves = WeightSharingReport.CurvesOrFromTrials(trials, sharedCurves);
            controller = Path.Combine(directory, "controller-per-epoch.png");
            SearchCharts.SavePng(WeightSharingReport.ControllerPerEpoch(curves), controller);
            if (curves.TrainingLoss.Count > 0)
            {
                loss = Path.Combine(directory, "shared-training-loss.png");
                SearchCharts.SavePng(WeightSharingReport.TrainingLossPerEpoch(curves), loss);
            }
            WeightSharingReport.AppendSummary(summaryText, trials, curves);
        }
        string summary = Path.Combine(directory, "summary.md");
        File.WriteAllText(summary, summaryText.ToString());
        return new SearchReportFiles(directory, csv, reward, metric, summary, json, diagram, dot, controller, loss);
    }

    /// <summary>
    /// The report of the search recorded in a checkpoint directory (<see cref="ArchitectureSearchOptions.CheckpointDirectory"/>),
    /// running, finished or interrupted, written into <paramref name="reportDirectory"/>.
    /// </summary>
    public static SearchReportFiles FromCheckpoint(string checkpointDirectory, string reportDirectory)
    {
        IReadOnlyList<TrialRecord> trials = SearchCheckpoint.ReadTrialLog(checkpointDirectory);
        // A weight-sharing search's state holds its per-epoch curves up to its last finished epoch.
        WeightSharingCurves? curves = WeightSharingReport.Describes(trials) && SearchCheckpoint.ReadState(checkpointDirectory) is { } state
            ? WeightSharingState.ReadCurves(state.State)
            : null;
        return Write(trials, reportDirectory, space: null, $"Search in {checkpointDirectory}", curves);
    }

    private static string Summary(IReadOnlyList<TrialRecord> trials, TrialRecord? best, string? title)
    {
        var inv = CultureInfo.InvariantCulture;
        var trained = trials.Where(t => t.Kind == TrialKind.Trained).ToList();
        var sb = new StringBuilder();
        sb.AppendLine($"# {title ?? "Architecture search report"}").AppendLine();
        sb.AppendLine(inv, $"- Proposals: {trials.Count} (trained {trained.Count}, reused {trials.Count(t => t.Kind == TrialKind.Reused)}, rejected {trials.Count(t => t.Kind == TrialKind.Rejected)}, failed {trained.Count(t => t.Result.Failed)})");
        sb.AppendLine(inv, $"- Training time: {trained.Sum(t => t.Result.WallTime.TotalSeconds):0.0} s");
        if (best != null)
        {
            sb.AppendLine(inv, $"- Best: trial {best.Index}{(best.Reference is { } name ? $" (reference '{name}')" : "")}, reward {best.Reward:0.####}, best validation {best.Result.MetricName} {best.Result.BestValidationMetric:0.####}, {best.ParameterCount:N0} parameters");
            sb.AppendLine(inv, $"- Best architecture: `{best.Description}`");
        }
        var references = trained.Where(t => t.Reference != null).ToList();
        if (references.Count > 0)
        {
            TrialRecord? bestSearched = SearchOutcome.WinnerOf(trained.Where(t => t.Reference == null).ToList());
            TrialRecord? bestReference = SearchOutcome.WinnerOf(references);
            sb.AppendLine(inv, $"- Reference architectures: {string.Join(", ", references.Select(t => $"{t.Reference} (trial {t.Index}, reward {t.Reward:0.####})"))}");
            sb.AppendLine(inv, $"- Best searched child against the best reference: reward {bestSearched?.Reward ?? 0:0.####} vs {bestReference?.Reward ?? 0:0.####}");
        }
        sb.AppendLine().AppendLine("## Top children").AppendLine();
        sb.AppendLine("| trial | reference | reward | validation | parameters | cost | seconds | worker | architecture |");
        sb.AppendLine("| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |");
        foreach (TrialRecord t in trained.Where(t => !t.Result.Failed).OrderByDescending(t => t.Reward).Take(10))
            sb.AppendLine(inv, $"| {t.Index} | {t.Reference ?? ""} | {t.Reward:0.####} | {t.Result.BestValidationMetric:0.####} | {t.ParameterCount:N0} | {(t.Cost is { } cost ? $"{cost:0.###} ({t.CostKind})" : "")} | {t.Result.WallTime.TotalSeconds:0.0} | {t.Worker ?? "this process"} | `{t.Description}` |");
        return sb.ToString();
    }
}
