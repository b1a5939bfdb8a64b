using Microsoft.ML.ArchitectureSearch.SearchSpaces;

namespace Microsoft.ML.ArchitectureSearch.Strategies;

/// <summary>What the search loop tells a strategy about one proposal it made.</summary>
/// <param name="Tokens">The proposal, as the strategy returned it.</param>
/// <param name="Reward">The child's reward (0 for a failed or rejected child).</param>
/// <param name="Failed">True when the child could not be trained or was rejected (budget, NaN loss).</param>
internal sealed record TrialFeedback(IReadOnlyList<int> Tokens, double Reward, bool Failed = false);

/// <summary>
/// A search strategy proposes architectures and learns from their rewards; it never trains children itself.
/// The search loop calls <see cref="Propose"/>, has the children trained, then calls <see cref="Learn"/> once per
/// proposal (in proposal order). All randomness comes from the seed given at construction, so a run is reproducible and
/// <see cref="SaveState"/>/<see cref="LoadState"/> continue exactly the same proposal sequence.
/// </summary>
internal interface ISearchStrategy : IDisposable
{
    /// <summary>"reinforce", "random", "evolution".</summary>
    string Name { get; }

    /// <summary>The space whose <see cref="ISearchSpace.Steps"/> the proposals follow.</summary>
    ISearchSpace Space { get; }

    /// <summary>
    /// True when a proposal may depend on results the loop has not handed to <see cref="Learn"/> yet. The loop then
    /// proposes at most Parallelism children, waits for all of them and lets the strategy learn before proposing more
    /// (a batch barrier), so the search is the same however long each child takes. False promises that
    /// <c>Propose(a)</c> then <c>Propose(b)</c> gives the same sequence as <c>Propose(a + b)</c> whatever was learned in
    /// between; the loop may then propose many children at once and start each as soon as a worker is free.
    /// </summary>
    bool ProposalsDependOnResults { get; }

    /// <summary>The next <paramref name="count"/> token sequences to evaluate.</summary>
    IReadOnlyList<IReadOnlyList<int>> Propose(int count);

    /// <summary>Results for earlier proposals.</summary>
    void Learn(IReadOnlyList<TrialFeedback> feedback);

    /// <summary>
    /// Results of the reference architectures the search trained before asking for proposals
    /// (ArchitectureSearchOptions.InitialArchitectures): architectures the strategy did not propose. Called once, before
    /// the first <see cref="Propose"/>, and not at all when there are none. What a strategy does with them is its own
    /// (Evolution seeds its population; Reinforce must not treat them as samples of its policy).
    /// </summary>
    void LearnFromReferences(IReadOnlyList<TrialFeedback> references);

    /// <summary>Writes everything needed to continue exactly (weights, optimizer state, baseline, population, RNG).</summary>
    void SaveState(Stream stream);

    /// <summary>Restores what <see cref="SaveState"/> wrote; the next proposals equal an uninterrupted run's.</summary>
    void LoadState(Stream stream);
}
