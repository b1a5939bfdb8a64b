namespace Microsoft.ML.ArchitectureSearch.SearchSpaces;

/// <summary>
/// <see cref="ISearchSpace.AllowedChoices"/> in the forms strategies use: the list of allowed tokens of a step, and
/// whether a whole sequence keeps to them. One place, so every strategy reads the mask the same way.
/// </summary>
internal static class AllowedTokens
{
    /// <summary>
    /// The tokens step <c>prefix.Count</c> may take, ascending; null when the space allows all
    /// <see cref="DecisionStep.ChoiceCount"/> of them. Throws when the space allows none (a space's bug: the prefix
    /// would be a dead end).
    /// </summary>
    public static int[]? Of(ISearchSpace space, IReadOnlyList<int> prefix)
    {
        IReadOnlyList<bool>? allowed = space.AllowedChoices(prefix);
        if (allowed is null) return null;
        DecisionStep step = space.Steps[prefix.Count];
        if (allowed.Count != step.ChoiceCount)
            throw new InvalidOperationException(
                $"The '{space.Name}' space's mask for step '{step.Name}' has {allowed.Count} entries; the step has {step.ChoiceCount} choices.");
        int[] tokens = Enumerable.Range(0, allowed.Count).Where(t => allowed[t]).ToArray();
        if (tokens.Length == 0)
            throw new InvalidOperationException($"The '{space.Name}' space allows no token at step '{step.Name}' after [{string.Join(",", prefix)}].");
        return tokens;
    }

    /// <summary>Whether token <paramref name="token"/> is allowed at step <c>prefix.Count</c>.</summary>
    public static bool Allows(ISearchSpace space, IReadOnlyList<int> prefix, int token) =>
        space.AllowedChoices(prefix) is not { } allowed || (token >= 0 && token < allowed.Count && allowed[token]);

    /// <summary>
    /// The first step at or after <paramref name="from"/> whose token <paramref name="tokens"/>' earlier tokens do not
    /// allow, or -1 when every one is allowed.
    /// </summary>
    public static int FirstRefusedStep(ISearchSpace space, IReadOnlyList<int> tokens, int from = 0)
    {
        int[] sequence = tokens as int[] ?? tokens.ToArray();
        for (int i = from; i < sequence.Length; i++)
        {
            if (!Allows(space, new ArraySegment<int>(sequence, 0, i), sequence[i])) return i;
        }
        return -1;
    }

    /// <summary><paramref name="prefix"/> followed, step by step, by the lowest token each later step allows.</summary>
    public static int[] CompleteWithFirstAllowed(ISearchSpace space, IReadOnlyList<int> prefix)
    {
        var tokens = new int[space.Steps.Count];
        for (int i = 0; i < tokens.Length; i++)
            tokens[i] = i < prefix.Count ? prefix[i] : Of(space, new ArraySegment<int>(tokens, 0, i))?[0] ?? 0;
        return tokens;
    }
}
