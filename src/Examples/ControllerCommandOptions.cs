using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>
/// --children-per-update, --controller-lr, --entropy-weight, --tanh-constant and --skip-penalty: how the Reinforce
/// controller learns. Each one left out keeps the value of the settings the search starts from: Zoph &amp; Le's defaults
/// (<c>new ReinforceOptions()</c>) for separately trained children, ENAS's (<see cref="ReinforceOptions.ForWeightSharing"/>)
/// with --weight-sharing.
/// </summary>
internal sealed class ControllerCommandOptions
{
    private static readonly ReinforceOptions Separate = new(), Shared = ReinforceOptions.ForWeightSharing;

    private readonly Option<int?> _childrenPerUpdate = CommonOptions.OptionalCount("--children-per-update",
        $"Reinforce: children between two controller updates (default {Separate.ChildrenPerUpdate}; {Shared.ChildrenPerUpdate} with --weight-sharing).");

    private readonly Option<double?> _learningRate = Number("--controller-lr", "Reinforce: the controller's Adam learning rate",
        Separate.LearningRate, Shared.LearningRate, allowZero: false);

    private readonly Option<double?> _entropyWeight = Number("--entropy-weight", "Reinforce: weight of the entropy bonus that keeps the controller exploring",
        Separate.EntropyWeight, Shared.EntropyWeight, allowZero: true);

    private readonly Option<double?> _tanhConstant = Number("--tanh-constant", "Reinforce: the controller's logits become C·tanh(logits / C)",
        null, Shared.Controller.TanhConstant, allowZero: false);

    private readonly Option<double?> _skipPenalty = Number("--skip-penalty",
        $"Reinforce: weight of ENAS's penalty on the KL divergence between each skip connection's probability and {Shared.SkipTarget.ToString(CultureInfo.InvariantCulture)} (spaces with skips)",
        Separate.SkipPenaltyWeight, Shared.SkipPenaltyWeight, allowZero: true);

    public ControllerCommandOptions(System.CommandLine.Command command)
    {
        foreach (Option option in new Option[] { _childrenPerUpdate, _learningRate, _entropyWeight, _tanhConstant, _skipPenalty })
            command.Options.Add(option);
    }

    /// <summary>
    /// The controller settings of the command line: <paramref name="options"/>' own, or when it has none the settings of
    /// its mode (ENAS's preset with weight sharing), with every option given applied on top.
    /// </summary>
    public ReinforceOptions Apply(ParseResult parse, ArchitectureSearchOptions options)
    {
        ReinforceOptions start = options.Reinforce ?? (options.WeightSharing ? Shared : Separate);
        return start with
        {
            ChildrenPerUpdate = parse.GetValue(_childrenPerUpdate) ?? start.ChildrenPerUpdate,
            LearningRate = parse.GetValue(_learningRate) ?? start.LearningRate,
            EntropyWeight = parse.GetValue(_entropyWeight) ?? start.EntropyWeight,
            SkipPenaltyWeight = parse.GetValue(_skipPenalty) ?? start.SkipPenaltyWeight,
            Controller = start.Controller with { TanhConstant = parse.GetValue(_tanhConstant) ?? start.Controller.TanhConstant },
        };
    }

    /// <summary>How the controller learns, for the run's summary line.</summary>
    public static string Describe(ReinforceOptions o) => string.Create(CultureInfo.InvariantCulture,
        $"controller: {o.Controller.Layers}x{o.Controller.HiddenSize} LSTM, Adam {o.LearningRate:G4}, {o.ChildrenPerUpdate} children per update, " +
        $"baseline decay {o.BaselineDecay:G4}, entropy weight {o.EntropyWeight:G4}, tanh constant {(o.Controller.TanhConstant is { } c ? c.ToString("G4", CultureInfo.InvariantCulture) : "none")}, " +
        $"skip penalty {o.SkipPenaltyWeight:G4} towards {o.SkipTarget:G4}");

    private static Option<double?> Number(string name, string description, double? separate, double? shared, bool allowZero) => new(name)
    {
        Description = $"{description} (default {Show(separate)}; {Show(shared)} with --weight-sharing).",
        HelpName = "X",
        CustomParser = result => Parse(result, name, allowZero),
    };

    private static string Show(double? value) => value is { } v ? v.ToString("G4", CultureInfo.InvariantCulture) : "none";

    private static double? Parse(ArgumentResult result, string name, bool allowZero)
    {
        string token = result.Tokens.Single().Value;
        if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value) || value < 0 || (value == 0 && !allowZero))
            result.AddError($"{name} expects a {(allowZero ? "non-negative" : "positive")} number, got '{token}'.");
        return value;
    }
}
