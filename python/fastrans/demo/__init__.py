"""``python -m fastrans demo``: the end-to-end learned-compression demo
(:mod:`fastrans.demo.hyperprior`) and, with ``--latent``, the coding-speed demo on the
reference latent (:mod:`fastrans.demo.latent`). Needs the ``torch`` extra (the latent demo
needs numpy only)."""
