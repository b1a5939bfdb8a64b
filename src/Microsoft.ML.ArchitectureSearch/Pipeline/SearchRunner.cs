using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Pipeline.Data;
using Microsoft.ML.ArchitectureSearch.Pipeline.Networks;
using TorchSharp;

namespace Microsoft.ML.ArchitectureSearch.Pipeline;

/// <summary>Everything a search needs, after the estimator validated and read the data.</summary>
/// <param name="Options">The user's options (a private copy).</param>
/// <param name="Seed">The resolved seed: options.Seed, else the MLContext's.</param>
/// <param name="Device">The TorchSharp device resolved from options.Device.</param>
/// <param name="Train">Training rows (without the validation rows).</param>
/// <param name="Validation">Rows that score the children.</param>
/// <param name="Network">Data shape every network of this fit must accept (also saved in the model).</param>
/// <param name="Log">Progress messages (the ML.NET channel of the estimator).</param>
internal sealed record SearchRequest(
    ArchitectureSearchOptions Options, int Seed, torch.Device Device, TaskData Train, TaskData Validation,
    NetworkConfiguration Network, Action<string> Log)
{
    /// <summary>The rows children train on: the first <see cref="ArchitectureSearchOptions.SearchTrainingRows"/> training rows, or all.</summary>
    public TaskData SearchTrainingRows() =>
        Options.SearchTrainingRows is int rows && rows < Train.Count ? Train.Select(Enumerable.Range(0, rows).ToArray()) : Train;
}

/// <summary>The result of a search: the best architecture, its trained weights and one history row per trial.</summary>
/// <param name="Architecture">The best architecture; its SearchSpace names the <see cref="INetworkFactory"/> that rebuilds it.</param>
/// <param name="NetworkWeights">TorchSharp <c>Module.save</c> bytes of the trained network built by that factory.</param>
/// <param name="Trials">Every proposal of the search, in order.</param>
internal sealed record SearchRunResult(SearchedArchitecture Architecture, byte[] NetworkWeights, IReadOnlyList<TrialRecord> Trials);

/// <summary>Runs the architecture search for the estimator's Fit. Integration seam: the real search plugs in here.</summary>
internal interface ISearchRunner
{
    SearchRunResult Run(SearchRequest request, CancellationToken cancellationToken = default);
}
