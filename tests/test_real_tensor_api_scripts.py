"""The tensor-level API as research and Kaggle code uses it, printed heavily
(tests/scripts/real_tensor_api/: where/masked_*/scatter/index_*/gather/take, sort/topk/unique/
bincount/histograms/searchsorted, cumulative ops and grids, distances and einsum spellings, NaN-aware
statistics and quantiles, elementwise math and type promotion, views and strides, print options,
feature engineering, and the errors of common mistakes): each runs under real PyTorch
(``python script.py``) and under ``python -m ember run script.py``, from a temporary current
directory, and the two outputs must agree line by line (the comparison of tests/real_scripts.py)."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_tensor_api')


@pytest.mark.parametrize('name', NAMES)
def test_tensor_api_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_tensor_api', name, tmp_path)
