using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Microsoft.ML.ArchitectureSearch.Objectives;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>
/// --objective, --target and --cost-weight: what the search maximises (<see cref="SearchObjective"/>), the task's
/// reward alone or MnasNet's reward x (cost / target)^w with a child's parameters, multiply-adds or measured latency.
/// </summary>
internal sealed class ObjectiveOptions
{
    // Command-line names of the costs; the enum's own names are C# identifiers.
    private static readonly (string Name, ObjectiveCost Cost)[] Costs =
    {
        ("none", ObjectiveCost.None), ("parameters", ObjectiveCost.Parameters),
        ("multiply-adds", ObjectiveCost.MultiplyAdds), ("latency", ObjectiveCost.Latency),
    };

    private static readonly SearchObjective Defaults = new();

    private readonly Option<string> _objective = new Option<string>("--objective")
    {
        Description = "What the search maximises: the task's reward alone (none), or MnasNet's reward x (cost / --target)^--cost-weight " +
                      "with the child's parameters, multiply-adds (per example) or measured inference latency (ms per image or token, one core).",
        HelpName = string.Join("|", Costs.Select(c => c.Name)),
        DefaultValueFactory = _ => "none",
    }.AcceptOnlyFromAmong(Costs.Select(c => c.Name).ToArray());

    private readonly Option<double?> _target = new("--target")
    {
        Description = "The target cost in --objective's unit: milliseconds per example for latency, a count for parameters and multiply-adds (needed by any objective but none).",
        HelpName = "X",
        CustomParser = result => ParsePositive(result, "--target"),
    };

    private readonly Option<double> _costWeight = new("--cost-weight")
    {
        Description = "The exponent w below and above the target, 0 or negative (MnasNet's soft constraint: -0.07, halving the cost buys about 5% more reward).",
        HelpName = "W",
        DefaultValueFactory = _ => Defaults.ExponentBelowTarget,
        CustomParser = ParseWeight,
    };

    public ObjectiveOptions(System.CommandLine.Command command)
    {
        foreach (Option option in new Option[] { _objective, _target, _costWeight })
            command.Options.Add(option);
        command.Validators.Add(result =>
        {
            // Tokens, not the value: an unknown --objective is reported by its own check.
            string? token = result.GetResult(_objective)?.Tokens.SingleOrDefault()?.Value;
            if (token is not null && !Costs.Any(c => c.Name == token)) return;
            ObjectiveCost cost = token is null ? ObjectiveCost.None : Cost(token);
            bool hasTarget = result.GetResult(_target) is not null;
            if (cost != ObjectiveCost.None && !hasTarget)
                result.AddError($"--objective {Name(cost)} needs --target X (the target cost in its unit).");
            if (cost == ObjectiveCost.None && (hasTarget || result.GetResult(_costWeight) is { Implicit: false }))
                result.AddError("--target and --cost-weight need --objective parameters|multiply-adds|latency.");
        });
    }

    /// <summary>The objective the command line asks for (the default objective when --objective is none).</summary>
    public SearchObjective Objective(ParseResult parse)
    {
        ObjectiveCost cost = Cost(parse.GetValue(_objective)!);
        if (cost == ObjectiveCost.None) return new SearchObjective();
        double weight = parse.GetValue(_costWeight);
        return new SearchObjective { Cost = cost, Target = parse.GetValue(_target)!.Value, ExponentBelowTarget = weight, ExponentAboveTarget = weight };
    }

    /// <summary>How the objective reads on the command line, for the run's summary line.</summary>
    public static string Describe(SearchObjective objective) => objective.Cost == ObjectiveCost.None
        ? "objective: the task's reward alone"
        : string.Create(CultureInfo.InvariantCulture,
            $"objective: reward x ({Name(objective.Cost)} / {objective.Target:G6})^{objective.ExponentBelowTarget:G4} (MnasNet)");

    private static string Name(ObjectiveCost cost) => Costs.First(c => c.Cost == cost).Name;

    private static ObjectiveCost Cost(string name) => Costs.First(c => c.Name == name).Cost;

    private static double? ParsePositive(ArgumentResult result, string name)
    {
        string token = result.Tokens.Single().Value;
        if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value) || value <= 0)
            result.AddError($"{name} expects a positive number, got '{token}'.");
        return value;
    }

    private static double ParseWeight(ArgumentResult result)
    {
        string token = result.Tokens.Single().Value;
        if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value) || value > 0)
            result.AddError($"--cost-weight expects 0 or a negative number, got '{token}'.");
        return value;
    }
}
