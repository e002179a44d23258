"""Probabilistic programming with torch.distributions as repositories write it
(tests/scripts/real_probabilistic/: variational inference by hand with mean-field guides and
analytic vs Monte Carlo KL, mixture density networks, normalizing flows from transforms and the
constraint registry, discrete latents (Gumbel-softmax, count distributions), conjugate posteriors
with implicit reparameterisation, distribution reprs / shapes / validation errors, multivariate
normals, Bayes-by-backprop, policy gradients, register_kl): each runs under real PyTorch
(``python script.py``) and under ``python -m ember run script.py``, from a temporary current
directory, and the two outputs must agree line by line (the comparison of tests/real_scripts.py)."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_probabilistic')


@pytest.mark.parametrize('name', NAMES)
def test_probabilistic_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_probabilistic', name, tmp_path)
