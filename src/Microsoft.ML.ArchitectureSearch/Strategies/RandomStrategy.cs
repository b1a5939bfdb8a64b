using Microsoft.ML.ArchitectureSearch.Randomness;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;

namespace Microsoft.ML.ArchitectureSearch.Strategies;

/// <summary>
/// Uniform random search: every token the space allows at a step equally likely. The baseline every NAS result must beat.
/// </summary>
internal sealed class RandomStrategy : ISearchStrategy, IChildSampler
{
    private readonly Xoshiro256 _random;

    public RandomStrategy(ISearchSpace space, int seed)
    {
        Space = space ?? throw new ArgumentNullException(nameof(space));
        _random = new Xoshiro256(seed);
    }

    public string Name => "random";

    public ISearchSpace Space { get; }

    /// <summary>False: every proposal is a fresh uniform draw from one generator, whatever was learned and however the draws are grouped.</summary>
    public bool ProposalsDependOnResults => false;

    public IReadOnlyList<IReadOnlyList<int>> Propose(int count) =>
        Enumerable.Range(0, count).Select(_ => (IReadOnlyList<int>)UniformTokens(Space, _random)).ToArray();

    /// <summary>Uniform, as its proposals: random search with weight sharing (Li &amp; Talwalkar 2019).</summary>
    public IReadOnlyList<int> SampleChild() => UniformTokens(Space, _random);

    /// <summary>Nothing to learn: random search ignores rewards.</summary>
    public void Learn(IReadOnlyList<TrialFeedback> feedback) { }

    /// <summary>Nothing to learn from references either: the proposals stay uniform.</summary>
    public void LearnFromReferences(IReadOnlyList<TrialFeedback> references) { }

    public void SaveState(Stream stream)
    {
        using BinaryWriter writer = StrategyStateFormat.BeginWrite(stream, this);
        _random.Write(writer);
    }

    public void LoadState(Stream stream)
    {
        using BinaryReader reader = StrategyStateFormat.BeginRead(stream, this);
        StrategyStateFormat.ReadBody(() => _random.Read(reader));
    }

    public void Dispose() { }

    /// <summary>
    /// Each step's token drawn uniformly among those the space allows after the tokens drawn before it
    /// (<see cref="ISearchSpace.AllowedChoices"/>), so the sequence always passes the space's token checks. A step that
    /// allows every choice draws exactly as an unmasked draw would.
    /// </summary>
    internal static int[] UniformTokens(ISearchSpace space, Xoshiro256 random)
    {
        var tokens = new int[space.Steps.Count];
        for (int i = 0; i < tokens.Length; i++)
        {
            int[]? allowed = AllowedTokens.Of(space, new ArraySegment<int>(tokens, 0, i));
            tokens[i] = allowed is null ? random.Next(space.Steps[i].ChoiceCount) : allowed[random.Next(allowed.Length)];
        }
        return tokens;
    }
}
