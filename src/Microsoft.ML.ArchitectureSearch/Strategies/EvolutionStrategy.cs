using Microsoft.ML.ArchitectureSearch.Randomness;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;

namespace Microsoft.ML.ArchitectureSearch.Strategies;

/// <summary>
/// Regularized (aging) evolution, Real et al. 2019: the population is first filled, with the reference architectures
/// the search trained first (<see cref="LearnFromReferences"/>) and then random proposals, up to
/// <see cref="EvolutionOptions.PopulationSize"/> members; after that each proposal mutates one decision of a tournament winner (best of
/// <see cref="EvolutionOptions.SampleSize"/> drawn from the population). Every result joins the population and the oldest
/// member dies, so good architectures must keep being rediscovered, which resists lucky evaluations.
/// </summary>
internal sealed class EvolutionStrategy : ISearchStrategy, IChildSampler
{
    private readonly EvolutionOptions _options;
    private readonly Xoshiro256 _random;
    private readonly List<(int[] Tokens, double Reward)> _population = new();
    /// <summary>Members that joined without a tournament: seeded references plus random proposals.</summary>
    private long _filled;

    public EvolutionStrategy(ISearchSpace space, int seed, EvolutionOptions? options = null)
    {
        Space = space ?? throw new ArgumentNullException(nameof(space));
        _options = options ?? new EvolutionOptions();
        _options.Validate();
        _random = new Xoshiro256(seed);
    }

    public string Name => "evolution";

    public ISearchSpace Space { get; }

    /// <summary>
    /// True: once the population is filled, each proposal mutates a tournament winner of the population as it stands,
    /// which the latest results changed. (Real et al. ran it asynchronously, parents drawn from whatever had finished;
    /// that gives a result depending on timing, which this library does not accept.)
    /// </summary>
    public bool ProposalsDependOnResults => true;

    /// <summary>The living population, oldest first.</summary>
    public IReadOnlyList<(IReadOnlyList<int> Tokens, double Reward)> Population =>
        _population.Select(p => ((IReadOnlyList<int>)p.Tokens, p.Reward)).ToArray();

    public IReadOnlyList<IReadOnlyList<int>> Propose(int count)
    {
        var proposals = new List<IReadOnlyList<int>>(count);
        for (int k = 0; k < count; k++, _filled++)
        {
            // Fill the population (after any seeded references) with random architectures until it could be full, then evolve.
            if (_filled < _options.PopulationSize || _population.Count == 0)
                proposals.Add(RandomStrategy.UniformTokens(Space, _random));
            else
                proposals.Add(Mutate(TournamentWinner()));
        }
        return proposals;
    }

    /// <summary>Uniform (single-path one-shot training): every child the evolution may reach gets trained shared weights.</summary>
    public IReadOnlyList<int> SampleChild() => RandomStrategy.UniformTokens(Space, _random);

    public void Learn(IReadOnlyList<TrialFeedback> feedback)
    {
        foreach (TrialFeedback f in feedback)
        {
            _population.Add((f.Tokens.ToArray(), f.Failed ? 0 : f.Reward));
            if (_population.Count > _options.PopulationSize) _population.RemoveAt(0);
        }
    }

    /// <summary>
    /// Seeds the population with the references that trained, oldest first, as if they had been the first proposals: the
    /// first tournaments can pick them as parents, and they age out like any member.
    /// </summary>
    public void LearnFromReferences(IReadOnlyList<TrialFeedback> references)
    {
        foreach (TrialFeedback f in references.Where(f => !f.Failed))
        {
            _population.Add((f.Tokens.ToArray(), f.Reward));
            _filled++;
            if (_population.Count > _options.PopulationSize) _population.RemoveAt(0);
        }
    }

    public void SaveState(Stream stream)
    {
        using BinaryWriter writer = StrategyStateFormat.BeginWrite(stream, this);
        _random.Write(writer);
        writer.Write(_filled);
        writer.Write(_population.Count);
        foreach ((int[] tokens, double reward) in _population)
        {
            StrategyStateFormat.WriteTokens(writer, tokens);
            writer.Write(reward);
        }
    }

    public void LoadState(Stream stream)
    {
        using BinaryReader reader = StrategyStateFormat.BeginRead(stream, this);
        StrategyStateFormat.ReadBody(() =>
        {
            _random.Read(reader);
            long filled = reader.ReadInt64();
            int count = reader.ReadInt32();
            if (filled < 0 || count < 0 || count > _options.PopulationSize)
                throw new InvalidDataException($"The saved evolution state is corrupt (population {count}, limit {_options.PopulationSize}).");
            var population = new List<(int[], double)>();
            for (int i = 0; i < count; i++) population.Add((StrategyStateFormat.ReadTokens(reader, this), reader.ReadDouble()));
            _filled = filled;
            _population.Clear();
            _population.AddRange(population);
        });
    }

    public void Dispose() { }

    private int[] TournamentWinner()
    {
        int sample = Math.Min(_options.SampleSize, _population.Count);
        (int[] Tokens, double Reward)? best = null;
        for (int i = 0; i < sample; i++)
        {
            var candidate = _population[_random.Next(_population.Count)];
            if (best == null || candidate.Reward > best.Value.Reward) best = candidate;
        }
        return best!.Value.Tokens;
    }

    /// <summary>
    /// Copies the parent and changes exactly one decision to a different value, drawn uniformly among the steps that
    /// have one and then among those values. A value counts only when the space allows it after the parent's earlier
    /// tokens and every later token of the parent stays allowed after it (<see cref="ISearchSpace.AllowedChoices"/>),
    /// so a mutation of an allowed sequence is allowed. In a space that refuses nothing the candidates are every other
    /// choice of every step with more than one, in the order (token + 1 + r) mod choices.
    /// </summary>
    private int[] Mutate(int[] parent)
    {
        var candidates = new List<(int Step, int[] Values)>();
        for (int step = 0; step < parent.Length; step++)
        {
            int[] values = Alternatives(parent, step);
            if (values.Length > 0) candidates.Add((step, values));
        }
        int[] child = (int[])parent.Clone();
        if (candidates.Count == 0) return child;
        (int chosen, int[] options) = candidates[_random.Next(candidates.Count)];
        child[chosen] = options[_random.Next(options.Length)];
        return child;
    }

    /// <summary>The values step <paramref name="step"/> of <paramref name="parent"/> can mutate to (see <see cref="Mutate"/>).</summary>
    private int[] Alternatives(int[] parent, int step)
    {
        int choices = Space.Steps[step].ChoiceCount;
        var prefix = new ArraySegment<int>(parent, 0, step);
        var values = new List<int>(Math.Max(0, choices - 1));
        int[] trial = (int[])parent.Clone();
        for (int r = 0; r < choices - 1; r++)
        {
            int value = (parent[step] + 1 + r) % choices;
            if (!AllowedTokens.Allows(Space, prefix, value)) continue;
            trial[step] = value;
            if (AllowedTokens.FirstRefusedStep(Space, trial, step + 1) < 0) values.Add(value);
        }
        return values.ToArray();
    }
}
