"""Print the README's table of bundled models from model-index.yml.

    python tools/misc/model_table.py
"""
from mmalphapose.apis.model_index import model_table

if __name__ == '__main__':
    print(model_table())
