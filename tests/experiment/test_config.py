import tomllib

import pytest

from pinndd.errors import ConfigError
from pinndd.experiment import parse_config


def _raw(text):
    return tomllib.loads(text)


def test_tiny_config_parses(tiny_config_text):
    config = parse_config(_raw(tiny_config_text))
    assert config.problems == ("heat1d",)
    assert [d.label for d in config.distillers] == ["uniform", "sobol_target"]
    assert config.distillers[1].method == "sobol" and config.distillers[1].options == {"family": "target"}
    assert config.targets == ("train", "ood_far")
    assert config.learner.width == 8 and config.learner.recipe.lr == 1e-3 and config.learner.recipe.lbfgs_iters == 10


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ('name = "tiny"', 'name = "tiny"\ncolour = 1', "experiment.colour"),
        ('problems = ["heat1d"]', 'problems = ["heat2d"]', "'heat2d'; allowed: allen_cahn1d, burgers1d"),
        ('distillers = ["uniform", "sobol_target"]', 'distillers = ["uniformm", "sobol_target"]', "unknown pde distiller 'uniformm'"),
        ("budgets = [24, 32]", "budgets = [24, 2]", "experiment.budgets must be at least 8"),
        ("budgets = [24, 32]", 'budgets = ["24"]', "experiment.budgets must be of type int"),
        ('splits = ["train", "ood_far"]', 'splits = ["train", "far"]', "'far'; allowed: train, ood_near, ood_far"),
        ("width = 8", "width = 0", "learner.width must be an integer of at least 1"),
        ("lr = 1e-3", "lr = -1.0", "learner.lr must be finite and > 0"),
        ("lr = 1e-3", "lr = inf", "learner.lr must be finite and > 0"),
        ("lr = 1e-3", 'lr = 1e-3\nschedule = "step"', "learner.schedule must be one of constant, exponential, cosine"),
        ("lbfgs_iters = 10", "lbfgs_iters = 2.5", "learner.lbfgs_iters must be an integer"),
        ("lr = 1e-3", "lr = 1e-3\nbalance = 1", "learner.balance must be one of none, gradnorm, gradnorm_sum"),
        ("lr = 1e-3", "lr = 1e-3\nbc_weight = -1.0", "learner.bc_weight must be finite and non-negative"),
        ("lr = 1e-3", 'lr = 1e-3\ndevice = "tpu"', "learner.device: unknown device 'tpu'; allowed: 'cpu', 'cuda', 'cuda:N', 'auto'"),
        ("depth = 2", "depth = 2\noptimizer = 'sgd'", "unknown key learner.optimizer"),
        ("depth = 2", "depth = 2\nfourier_scale = {x = 1.0, t = 2.0}", "learner.fourier_scale must name every input of heat1d once (x, t, A, omega): missing 'A', missing 'omega'"),
        ("depth = 2", "depth = 2\nfourier_scale = {x = 1.0, t = 2.0, A = 1.0, omega = 1.0, c = 1.0}", "(x, t, A, omega): unknown 'c'"),
        ("depth = 2", "depth = 2\nfourier_scale = {x = 1.0, t = -2.0, A = 1.0, omega = 1.0}", "learner.fourier_scale must be a positive finite number or a table"),
        ("depth = 2", 'depth = 2\nfourier_scale = "wide"', "learner.fourier_scale must be of type float"),
        ("depth = 2", "depth = 2\nhard_constraints = true", "learner.hard_constraints: heat1d defines no hard constraint (problems that do: allen_cahn1d)"),
        ("depth = 2", 'depth = 2\nhard_constraints = "yes"', "learner.hard_constraints must be of type bool"),
        ('family = "target"', 'family = "everything"', "family must be one of 'train', 'target'"),
        ('family = "target"', "spacing = 2", "unknown option 'spacing' for distiller 'sobol'"),
        ("conditions_per_split = 2", "conditions_per_split = 0", "conditions_per_split"),
        ("seeds = [0, 1]", "seeds = [0, 0]", "duplicate"),
        ("[learner]", "[task]\ntarget_weights = [1]\n[learner]", "task.target_weights must be a list of 2 positive numbers"),
        ("[learner]", "[task]\ntarget_weights = [1, -2]\n[learner]", "task.target_weights must be a list of 2 positive numbers"),
        ("[learner]", '[task]\nrisk = "median"\n[learner]', "task.risk: unknown risk 'median'"),
        ("[learner]", '[task]\nmetric = "auroc"\n[learner]', "unknown key task.metric"),
        ('splits = ["train", "ood_far"]', 'splits = ["train", "ood_far"]\nrisk = "max"', "experiment.risk belongs in [task]"),
        ('distillers = ["uniform", "sobol_target"]', 'distillers = ["uniform", "../sobol_target"]', "'../sobol_target' is not a safe name"),
        ('distillers = ["uniform", "sobol_target"]', 'distillers = ["a/b", "sobol_target"]', "'a/b' is not a safe name"),
        ("[distiller.sobol_target]", "[problem]\nheat1d = 5\n[distiller.sobol_target]", "[problem.heat1d] must be a table of constants, got 5"),
        ("[distiller.sobol_target]", "[problem.heat1d]\nkappa = inf\n[distiller.sobol_target]", "problem.heat1d.kappa must be finite, got inf"),
        ("[distiller.sobol_target]", "[problem.heat1d]\nkappa = -1.0\n[distiller.sobol_target]", "[problem.heat1d] kappa must be positive, got -1.0"),
        ("budgets = [24, 32]", "budgets = [24, 1000000000000]", "experiment.budgets: the run would need at least"),
        ("width = 8", "width = 100000000", "learner.width: the run would need at least"),
        ("conditions_per_split = 2", "conditions_per_split = 100000000", "evaluation.conditions_per_split: the run would need"),
        ('family = "target"', 'family = "target"\n[distiller.full]\nn = 100000000000', "is not listed in experiment.distillers"),
    ],
)
def test_bad_values_name_the_key(tiny_config_text, old, new, fragment):
    assert old in tiny_config_text
    with pytest.raises(ConfigError) as info:
        parse_config(_raw(tiny_config_text.replace(old, new)))
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message


def test_target_weights_reach_the_task_region(tiny_config_text):
    text = tiny_config_text.replace("[learner]", "[task]\ntarget_weights = [3, 1]\n\n[learner]")
    config = parse_config(_raw(text))
    assert config.target_weights == (3.0, 1.0)
    from pde_catalog import get_problem
    from pinndd.task import PdeTask

    task = PdeTask(get_problem("heat1d"), "train", config.targets, config.target_weights)
    region = task.target_region()
    assert sum(w for b, w in zip(region.boxes, region.weights) if b == get_problem("heat1d").family.train) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="target_weights must be 2 positive numbers"):
        PdeTask(get_problem("heat1d"), "train", config.targets, (1.0,))


def test_missing_experiment_table():
    with pytest.raises(ConfigError, match=r"missing \[experiment\]"):
        parse_config({"learner": {}})


def test_unknown_section(tiny_config_text):
    with pytest.raises(ConfigError, match="unknown key config.optimiser"):
        parse_config(_raw(tiny_config_text + "\n[optimiser]\nlr = 1\n"))


def test_problem_constants_validated(tiny_config_text):
    with pytest.raises(ConfigError, match="problem.heat1d.nu"):
        parse_config(_raw(tiny_config_text + "\n[problem.heat1d]\nnu = 1.0\n"))
    config = parse_config(_raw(tiny_config_text + "\n[problem.heat1d]\nkappa = 0.25\n"))
    assert config.problem_constants == {"heat1d": {"kappa": 0.25}}


def test_learner_section_builds_the_recipe_and_the_device(tiny_config_text):
    import torch

    text = tiny_config_text.replace("lr = 1e-3", 'lr = 1e-3\nschedule = "cosine"\nwarmup = 5\nbalance = "gradnorm"\ndevice = "auto"')
    learner = parse_config(_raw(text)).learner
    assert learner.recipe.schedule == "cosine" and learner.recipe.warmup == 5 and learner.recipe.balance == "gradnorm"
    from pde_catalog import get_problem

    pinn = learner.pinn(get_problem("heat1d"))
    assert pinn.device.type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert (pinn.width, pinn.depth) == (8, 2) and learner.pinn(get_problem("heat1d"), 16, 1).sizes == (4, 16, 1)


def test_fourier_scale_table_reaches_the_network(tiny_config_text):
    from pde_catalog import get_problem

    text = tiny_config_text.replace("depth = 2", "depth = 2\nfourier_features = 6\nfourier_scale = {x = 1.0, t = 4.0, A = 0.5, omega = 0.5}")
    learner = parse_config(_raw(text)).learner
    assert learner.fourier_scale == (("x", 1.0), ("t", 4.0), ("A", 0.5), ("omega", 0.5))
    pinn = learner.pinn(get_problem("heat1d"))
    plain = parse_config(_raw(text.replace("fourier_scale = {x = 1.0, t = 4.0, A = 0.5, omega = 0.5}", "fourier_scale = 1.0"))).learner.pinn(get_problem("heat1d"))
    import torch

    torch.testing.assert_close(pinn.frequencies, plain.frequencies * torch.tensor([[1.0], [4.0], [0.5], [0.5]]), rtol=1e-6, atol=0)


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_is_refused_before_any_work(tiny_config_text):
    with pytest.raises(ConfigError, match="learner.device: 'cuda' requested but CUDA is not available on this machine"):
        parse_config(_raw(tiny_config_text.replace("lr = 1e-3", 'lr = 1e-3\ndevice = "cuda"')))


def test_a_huge_full_data_size_names_its_distiller(tiny_config_text):
    text = tiny_config_text.replace('distillers = ["uniform", "sobol_target"]', 'distillers = ["uniform", "full"]') + "\n[distiller.full]\nn = 100000000000\n"
    text = text.replace("[distiller.sobol_target]", "[distiller.unused]")
    raw = _raw(text)
    raw.get("distiller", {}).pop("unused", None)
    with pytest.raises(ConfigError, match="distiller.full.n: the run would need at least .* GiB of memory"):
        parse_config(raw)


def test_resource_estimate_of_the_shipped_benchmark_fits_a_small_machine():
    from pathlib import Path

    from pde_catalog import get_problem
    from pinndd.experiment import load_config
    from pinndd.experiment._resources import estimate_bytes

    raw, _ = load_config(Path(__file__).resolve().parents[2] / "experiments" / "ood_benchmark.toml")
    config = parse_config(raw)
    total = sum(estimate_bytes(config, [get_problem(n) for n in config.problems]).values())
    assert 1e6 < total < 4 * 2**30  # a few hundred MB, far below the 8 GiB of a small laptop


def test_a_label_that_is_another_distillers_name_warns(tiny_config_text):
    text = tiny_config_text.replace('distillers = ["uniform", "sobol_target"]', 'distillers = ["uniform", "halton"]')
    text = text.replace("[distiller.sobol_target]", "[distiller.halton]")
    with pytest.warns(UserWarning, match="label 'halton' is also a built-in distiller's name but runs 'sobol'"):
        parse_config(_raw(text))
