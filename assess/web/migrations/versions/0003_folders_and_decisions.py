"""folders (people and assessments in them) and the decisions, reassessment and actions blocks

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('folders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('folder_members',
    sa.Column('folder_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['folder_id'], ['folders.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('folder_id', 'user_id')
    )
    with op.batch_alter_table('folder_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_folder_members_user_id'), ['user_id'], unique=False)
    op.create_table('folder_items',
    sa.Column('folder_id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('added_by', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['folder_id'], ['folders.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['added_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('folder_id', 'assessment_id')
    )
    with op.batch_alter_table('folder_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_folder_items_assessment_id'), ['assessment_id'], unique=False)
    op.create_table('assessment_blocks',
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('decisions', sa.JSON(), nullable=True),
    sa.Column('reassessment', sa.JSON(), nullable=True),
    sa.Column('actions', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('assessment_id')
    )


def downgrade() -> None:
    op.drop_table('assessment_blocks')
    with op.batch_alter_table('folder_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_folder_items_assessment_id'))
    op.drop_table('folder_items')
    with op.batch_alter_table('folder_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_folder_members_user_id'))
    op.drop_table('folder_members')
    op.drop_table('folders')
