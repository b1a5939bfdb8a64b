namespace Microsoft.ML.ArchitectureSearch.SearchSpaces;

/// <summary>
/// A well-known, hand-designed member of a search space (a plain 3x3 stack, an LSTM cell): what a user could have typed
/// without a search, and so what a search must never lose to. Searches train them first
/// (ArchitectureSearchOptions.InitialArchitectures).
/// </summary>
/// <param name="Name">Short name shown in logs, the history and the report, e.g. "plain 3x3 stack".</param>
/// <param name="Claim">What network it is and how it differs from the published one, in one or two sentences.</param>
/// <param name="Architecture">The member of the space.</param>
internal sealed record ReferenceArchitecture(string Name, string Claim, IArchitecture Architecture)
{
    /// <summary>
    /// The candidates that are members of their space: a candidate whose build throws
    /// <see cref="ArchitectureValidationException"/> (a choice the space does not offer, a parameter limit) is left out,
    /// because a space with other choice lists or limits simply does not contain it.
    /// </summary>
    public static IReadOnlyList<ReferenceArchitecture> Members(params (string Name, string Claim, Func<IArchitecture?> Build)[] candidates)
    {
        var members = new List<ReferenceArchitecture>();
        foreach ((string name, string claim, Func<IArchitecture?> build) in candidates)
        {
            try
            {
                if (build() is { } architecture)
                    members.Add(new ReferenceArchitecture(name, claim, architecture));
            }
            catch (ArchitectureValidationException)
            {
                // Not a member of this space.
            }
        }
        return members;
    }
}
