namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;

/// <summary>How a tree node merges its two inputs (Zoph &amp; Le 2017, Sec. 3.4).</summary>
public enum CellCombination
{
    /// <summary>a + b.</summary>
    Add,

    /// <summary>a ⊙ b (elementwise product).</summary>
    Multiply,
}

/// <summary>The nonlinearity a tree node applies to its combined inputs.</summary>
public enum CellActivation
{
    /// <summary>f(x) = x.</summary>
    Identity,
    /// <summary>f(x) = tanh(x).</summary>
    Tanh,
    /// <summary>f(x) = 1 / (1 + exp(-x)).</summary>
    Sigmoid,
    /// <summary>f(x) = max(0, x).</summary>
    Relu,
}

/// <summary>Readable labels used in decision steps, descriptions, JSON and the fingerprint.</summary>
internal static class CellOperationNames
{
    public static string Of(CellCombination combination) => combination switch
    {
        CellCombination.Add => "add",
        CellCombination.Multiply => "mul",
        _ => throw new ArgumentOutOfRangeException(nameof(combination), combination, "Unknown combination."),
    };

    public static string Of(CellActivation activation) => activation switch
    {
        CellActivation.Identity => "identity",
        CellActivation.Tanh => "tanh",
        CellActivation.Sigmoid => "sigmoid",
        CellActivation.Relu => "relu",
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };

    public static CellCombination ParseCombination(string text) => text switch
    {
        "add" => CellCombination.Add,
        "mul" => CellCombination.Multiply,
        _ => throw new ArchitectureValidationException($"Unknown cell combination {UserText.Quote(text)} (expected 'add' or 'mul')."),
    };

    public static CellActivation ParseActivation(string text) => text switch
    {
        "identity" => CellActivation.Identity,
        "tanh" => CellActivation.Tanh,
        "sigmoid" => CellActivation.Sigmoid,
        "relu" => CellActivation.Relu,
        _ => throw new ArchitectureValidationException($"Unknown cell activation {UserText.Quote(text)} (expected identity, tanh, sigmoid or relu)."),
    };
}
